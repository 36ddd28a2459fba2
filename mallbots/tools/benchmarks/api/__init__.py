"""`benchmark api`: what the API's reads cost through a real gunicorn (2 sync workers), next
to a bare DRF view reading one row, measured in the same run with the same load generator
(wrk from Debian when installed, else a Python one).

1. seeds a store with 20 products and an order through the services, and a client with a
   token (every name starts with the run's id);
2. starts gunicorn on a free port with the project's settings (DEBUG off), the bare view
   routed beside the API (`bare.py`, `wsgi.py`; nothing of it in the application's URLs);
3. drives, one after the other: the bare view, the catalog read
   (`GET /api/stores/{id}/products`) and the order read (`GET /api/ordering/{id}`), each after
   a one-second warm-up; requests/s, p50 and p99 each, and each read's ratio to the bare view.

It stops gunicorn and removes the client (its token) at the end, also after a failure.

`run`: the phases and the report; `load`: the load generators; `bare`, `wsgi`: what the
benchmark's gunicorn serves (this package imports nothing, so gunicorn can load `wsgi` before
Django is set up)."""

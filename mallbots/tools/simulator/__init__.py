"""Demo data and load for operators: `manage.py seed_mall` creates a small demo mall through the
contexts' services; `manage.py busywork` drives simulated customers and a bot operator through
the REST API. Not a bounded context: it only calls contexts' services and the HTTP API."""

"""The API's documentation pages (Swagger UI, ReDoc), served from our own static files
(drf-spectacular-sidecar) under a Content-Security-Policy that lets them load nothing from
elsewhere: they work offline, and ReDoc's sidebar logo, the one image its bundle fetches from
a CDN, is never requested."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

# Both UIs inline a little script and style; ReDoc runs its search in a worker from a blob.
LOCAL_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:"
)


def local_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = LOCAL_ONLY
        return response

    return wrapped


swagger_ui = local_only(SpectacularSwaggerView.as_view(url_name="schema"))
redoc = local_only(SpectacularRedocView.as_view(url_name="schema"))

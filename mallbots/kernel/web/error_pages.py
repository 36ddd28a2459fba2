"""Django's error handlers (mallbots/urls.py): under /api/ they answer the API's JSON error
body, never an HTML page; elsewhere Django's own pages, except the 503 of a database outage."""

from __future__ import annotations

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from . import outage


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: `GET /api/nope` answers `{"code": 5, ...}`."""
    if outage.is_api(request):
        return JsonResponse({"code": 5, "message": "not found", "details": []}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() is it."""
    exc = sys.exc_info()[1]
    if outage.is_outage(exc):
        return outage.unavailable(request, exc)  # type: ignore[arg-type]
    if outage.is_api(request):
        return JsonResponse({"code": 13, "message": "internal error", "details": []}, status=500)
    return defaults.server_error(request)

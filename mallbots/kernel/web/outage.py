"""While the database cannot be reached, the API and the admin answer 503 with a Retry-After
header (the API with the error body, code 14 "unavailable"), never 500: the request was fine,
it only came at a bad moment. Nothing needs restarting afterwards: Django drops a connection
that failed at the end of the request (and health-checks persistent ones at the start of the
next), so the first request after the database is back reconnects.

Three places catch it, for the three places it surfaces: the DRF exception handler (API
views, including token authentication), this middleware's process_exception (other views,
the admin), and the 500 handler (error_pages.py: anything raised in a middleware, e.g. a
session lookup)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

log = logging.getLogger(__name__)

UNAVAILABLE = 14
MESSAGE = "the service is temporarily unavailable, retry later"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def retry_after() -> str:
    return str(settings.WEB_RETRY_AFTER_SECONDS)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for `request`: the API's error body, or a plain page for people."""
    log.warning("database unavailable during %s %s: %s", request.method, request.path, exc)
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"code": UNAVAILABLE, "message": MESSAGE, "details": []}, status=503)
    else:
        # Rendered without the request: its context processors would ask the database again.
        page = loader.render_to_string("503.html", {"message": MESSAGE, "retry_after": retry_after()})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = retry_after()
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return unavailable(request, exception) if is_outage(exception) else None

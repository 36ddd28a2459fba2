from __future__ import annotations

import re
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from mallbots.kernel.ddd import context as message_context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class CorrelationMiddleware:
    """Every request runs under a correlation id (the caller's X-Correlation-ID when it is a
    sane token, else a new one), echoed in the response; events and messages the request
    causes carry it, and the acting user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Correlation-ID", "")
        correlation_id = supplied if _SAFE_ID.match(supplied) else message_context.new_id()
        # Session users are known here; token users once DRF authenticates them (see authentication.py).
        try:
            user = getattr(request, "user", None)
            actor = user.get_username() if user is not None and user.is_authenticated else None
        except DatabaseError:
            # The session cannot be read: the view meets the same error and answers 503.
            actor = None
        with message_context.use(correlation_id=correlation_id, causation_id=correlation_id, actor=actor):
            response = self.get_response(request)
        response["X-Correlation-ID"] = correlation_id
        return response

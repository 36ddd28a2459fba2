"""One exception handler for the whole API: every error answers
{"code": <grpc code>, "message": "...", "details": [...]} with the status that grpc-gateway
gave that code in the original application."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mallbots.kernel.ddd import DomainError

from . import outage

log = logging.getLogger(__name__)

HTTP_STATUS_BY_CODE = {
    3: status.HTTP_400_BAD_REQUEST,  # invalid argument
    5: status.HTTP_404_NOT_FOUND,
    6: status.HTTP_409_CONFLICT,  # already exists
    7: status.HTTP_403_FORBIDDEN,
    9: status.HTTP_400_BAD_REQUEST,  # failed precondition
    10: status.HTTP_409_CONFLICT,  # aborted
    13: status.HTTP_500_INTERNAL_SERVER_ERROR,
    14: status.HTTP_503_SERVICE_UNAVAILABLE,  # unavailable: retry after the Retry-After header
    16: status.HTTP_401_UNAUTHORIZED,
}


def error_body(code: int, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or []}


def _validation_details(detail: Any, path: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested validation errors into one entry per field."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            # DRF keys the errors of list items by index: `items[0].price`, like nested lists.
            step = f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
            out += _validation_details(value, f"{path}{step}")
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [
                {
                    "field": path or "non_field_errors",
                    "description": " ".join(str(i) for i in detail),
                }
            ]
        out = []
        for index, item in enumerate(detail):
            out += _validation_details(item, f"{path}[{index}]")
        return out
    return [{"field": path or "non_field_errors", "description": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.message, exc.details),
            status=HTTP_STATUS_BY_CODE.get(exc.code, 500),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        details = _validation_details(exc.detail)
        message = "; ".join(f"{d['field']}: {d['description']}" for d in details) or "invalid request"
        return Response(error_body(3, message, details), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body(3, str(exc.detail)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = drf_exception_handler(exc, context)  # keeps the WWW-Authenticate header
        assert response is not None
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response.data = error_body(16, str(exc.detail))
        return response
    if isinstance(exc, exceptions.PermissionDenied):
        return Response(error_body(7, str(exc.detail)), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.NotFound):
        return Response(error_body(5, str(exc.detail)), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(error_body(12, str(exc.detail)), status=exc.status_code)
    if isinstance(exc, exceptions.UnsupportedMediaType | exceptions.NotAcceptable):
        return Response(error_body(3, str(exc.detail)), status=exc.status_code)
    if isinstance(exc, exceptions.Throttled):
        return Response(error_body(8, str(exc.detail)), status=exc.status_code)
    if isinstance(exc, exceptions.APIException):
        return Response(error_body(2, str(exc.detail)), status=exc.status_code)
    if outage.is_outage(exc):
        log.warning("database unavailable in %s: %s", context.get("view"), exc)
        return Response(
            error_body(outage.UNAVAILABLE, outage.MESSAGE),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": outage.retry_after()},
        )
    log.exception("unhandled error in %s", context.get("view"))
    return Response(error_body(13, "internal error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

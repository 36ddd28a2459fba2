"""DRF authenticates inside the view, after the middleware ran: these classes name the
authenticated user as the actor of the message context, so stored events and published
messages say who acted."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication
from rest_framework.request import Request

from mallbots.kernel.ddd import context as message_context


def _named(result: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
    if result is not None:
        message_context.set_actor(result[0].get_username())
    return result


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return _named(super().authenticate(request))


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return _named(super().authenticate(request))

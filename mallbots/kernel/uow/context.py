"""The message context of the work in progress, and the JSON of raw database cursors."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from mallbots.kernel.ddd import context as message_context


def ambient_context() -> message_context.MessageContext:
    """The message context of the work in progress. When no request, handler or command set
    one (a shell, a script), one is made per outermost transaction, so that everything a
    transaction stores and publishes shares one correlation id."""
    ctx = message_context.peek()
    if ctx is not None:
        return ctx
    blocks = connection.atomic_blocks
    if not blocks:
        return message_context.current()
    outermost = blocks[0]
    cached = getattr(connection, "_mallbots_ambient", None)
    if cached is None or cached[0] is not outermost:
        cached = (outermost, message_context.current())
        connection._mallbots_ambient = cached  # type: ignore[attr-defined]
    return cached[1]


def loads(value: Any) -> Any:
    """Django's PostgreSQL backend hands raw-cursor jsonb back as text (JSONField decodes it)."""
    return json.loads(value) if isinstance(value, str | bytes) else value

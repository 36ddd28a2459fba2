"""What a log line is about: the message context (correlation id, causation id, actor) of the
work in progress and, while a worker handles a delivery, its message id and handler. A logging
filter copies them onto every record, so the production JSON logs can follow one order's
saga, or one message, across processes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from mallbots.kernel.ddd import context as message_context


@dataclass(frozen=True)
class Delivery:
    message_id: str
    handler: str
    correlation_id: str
    causation_id: str | None
    actor: str | None = None


_delivery: ContextVar[Delivery | None] = ContextVar("mallbots_delivery", default=None)


@contextlib.contextmanager
def delivering(delivery: Delivery) -> Iterator[None]:
    """Mark the block as the handling of one delivery (the consumer wraps each one in it)."""
    token = _delivery.set(delivery)
    try:
        yield
    finally:
        _delivery.reset(token)


FIELDS = ("correlation_id", "causation_id", "actor", "message_id", "handler")


class ContextFilter(logging.Filter):
    """Adds correlation_id, causation_id, actor, message_id and handler to a record when they
    apply (absent attributes stay absent, so a JSON line carries only what is known)."""

    def filter(self, record: logging.LogRecord) -> bool:
        delivery = _delivery.get()
        ctx = message_context.peek()
        values: dict[str, str | None] = {}
        if delivery is not None:
            values |= {
                "correlation_id": delivery.correlation_id,
                "causation_id": delivery.causation_id,
                "actor": delivery.actor,
                "message_id": delivery.message_id,
                "handler": delivery.handler,
            }
        if ctx is not None:  # the work in progress knows best; what it leaves unset stays
            known = {
                "correlation_id": ctx.correlation_id,
                "causation_id": ctx.causation_id,
                "actor": ctx.actor,
            }
            values |= {name: value for name, value in known.items() if value}
        for name, value in values.items():
            if value and not hasattr(record, name):
                setattr(record, name, value)
        return True

"""Who and what caused the work in progress: correlation id (one business flow, e.g. one
order's saga), causation id (the message or request that triggered this unit of work) and
actor. Carried in a context variable so that stored events and published messages pick it up
without threading it through every call."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MessageContext:
    correlation_id: str
    causation_id: str | None = None
    actor: str | None = None

    def as_metadata(self) -> dict[str, str | None]:
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
        }


_current: ContextVar[MessageContext | None] = ContextVar("mallbots_message_context", default=None)


def new_id() -> str:
    return str(uuid.uuid4())


def current() -> MessageContext:
    """The active context, or a fresh one (new correlation id) when nothing set one."""
    ctx = _current.get()
    return ctx if ctx is not None else MessageContext(correlation_id=new_id())


def peek() -> MessageContext | None:
    return _current.get()


@contextlib.contextmanager
def use(
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    actor: str | None = None,
) -> Iterator[MessageContext]:
    """Run a block under a context. Unset values are inherited from the enclosing context."""
    outer = _current.get()
    if outer is None:
        ctx = MessageContext(
            correlation_id=correlation_id or new_id(),
            causation_id=causation_id,
            actor=actor,
        )
    else:
        ctx = replace(
            outer,
            correlation_id=correlation_id or outer.correlation_id,
            causation_id=causation_id or outer.causation_id,
            actor=actor or outer.actor,
        )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_actor(actor: str) -> None:
    """Name the actor of the current unit of work, once it is known (after authentication).
    The enclosing `use()` block restores the outer context when it ends."""
    _current.set(replace(current(), actor=actor))

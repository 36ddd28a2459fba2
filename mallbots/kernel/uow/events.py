"""Domain events leave an aggregate through one Django signal, `domain_event`, sent with the
event class as `sender` inside the command's transaction. Receivers (a context's signals.py)
update read models or publish integration events; a receiver that raises rolls the whole
command back, because `send()` (not `send_robust()`) propagates the error."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from django.dispatch import Signal
from django.utils import timezone

from mallbots.kernel.ddd import DomainEvent

from .context import ambient_context

domain_event = Signal()

# Covariant: a record of a StoreCreated is a record of a DomainEvent (a record is read-only).
E = TypeVar("E", bound=DomainEvent, covariant=True)
E1 = TypeVar("E1", bound=DomainEvent)
E2 = TypeVar("E2", bound=DomainEvent)
E3 = TypeVar("E3", bound=DomainEvent)


@dataclass(frozen=True)
class Recorded(Generic[E]):
    """A domain event as it was stored: with its stream, version and metadata. A receiver
    says which events it takes with the parameter, `Recorded[StoreCreated]`."""

    event: E
    stream_type: str
    stream_id: str
    version: int
    metadata: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=timezone.now)


def dispatch(records: Iterable[Recorded[DomainEvent]]) -> None:
    for record in records:
        domain_event.send(sender=type(record.event), record=record)


def dispatch_events(stream_type: str, stream_id: str, version: int, events: Iterable[DomainEvent]) -> None:
    """For state-stored aggregates: dispatch the events recorded by a command, numbered after
    `version` (the aggregate's version before the command)."""
    metadata = ambient_context().as_metadata()
    now = timezone.now()
    dispatch(
        Recorded(e, stream_type, stream_id, version + i, metadata, now) for i, e in enumerate(events, start=1)
    )


# One overload per number of event types, so that the receiver's parameter must accept
# exactly their union; past three, it takes any domain event.
@overload
def receiver(
    t1: type[E1], /
) -> Callable[[Callable[[Recorded[E1]], None]], Callable[[Recorded[E1]], None]]: ...
@overload
def receiver(
    t1: type[E1], t2: type[E2], /
) -> Callable[[Callable[[Recorded[E1 | E2]], None]], Callable[[Recorded[E1 | E2]], None]]: ...
@overload
def receiver(
    t1: type[E1], t2: type[E2], t3: type[E3], /
) -> Callable[[Callable[[Recorded[E1 | E2 | E3]], None]], Callable[[Recorded[E1 | E2 | E3]], None]]: ...
@overload
def receiver(
    *event_types: type[DomainEvent],
) -> Callable[[Callable[[Recorded[DomainEvent]], None]], Callable[[Recorded[DomainEvent]], None]]: ...
def receiver(
    *event_types: type[DomainEvent],
) -> Callable[[Callable[[Recorded[Any]], None]], Callable[[Recorded[Any]], None]]:
    """Connects `fn(record)` to the domain events of the given classes.

    @receiver(StoreCreated, StoreRebranded)
    def project_store(record: Recorded[StoreCreated | StoreRebranded]) -> None: ...
    """

    def connect(fn: Callable[[Recorded[Any]], None]) -> Callable[[Recorded[Any]], None]:
        def on_signal(sender: type, record: Recorded[DomainEvent], **kwargs: Any) -> None:
            fn(record)

        for event_type in event_types:
            domain_event.connect(
                on_signal,
                sender=event_type,
                weak=False,
                dispatch_uid=f"{fn.__module__}.{fn.__qualname__}",
            )
        return fn

    return connect

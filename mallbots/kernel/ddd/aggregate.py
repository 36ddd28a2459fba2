"""Aggregates record what happened as domain events; repositories persist them and hand the
recorded events to the dispatcher. Commands may fail loudly (raise a DomainError before
recording anything); recorded events are facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from .events import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Applier = Callable[[Any, Any], None]


class Entity:
    def __init__(self, id: str) -> None:
        self.id = id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entity) and type(other) is type(self) and other.id == self.id

    def __hash__(self) -> int:
        return hash((type(self), self.id))


class Aggregate(Entity):
    """A consistency boundary that records domain events. `version` is the number of events
    (event-sourced) or the row version (state-stored) the aggregate was loaded at."""

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.version = 0
        self._pending: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._pending.append(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self._pending)

    def clear_events(self) -> None:
        self._pending.clear()


def when(
    event_type: type[E],
) -> Callable[[Callable[[Any, E], None]], Callable[[Any, E], None]]:
    """Marks the method that applies `event_type` to an event-sourced aggregate's state."""

    def mark(fn: Callable[[Any, E], None]) -> Callable[[Any, E], None]:
        fn.__applies__ = event_type  # type: ignore[attr-defined]
        return fn

    return mark


class EventSourcedAggregate(Aggregate):
    """State is the fold of its events. Subclasses set `stream_type`, write one `@when(Event)`
    method per event, and may support snapshots by overriding `snapshot()`/`restore()` and
    bumping `snapshot_version` whenever the snapshot layout changes (an outdated snapshot is
    ignored, never misread)."""

    stream_type: ClassVar[str]
    snapshot_version: ClassVar[int] = 1
    _appliers: ClassVar[dict[type[DomainEvent], Applier]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        appliers: dict[type[DomainEvent], Applier] = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                event_type = getattr(attr, "__applies__", None)
                if event_type is not None:
                    appliers[event_type] = attr
        cls._appliers = appliers

    def record(self, event: DomainEvent) -> None:
        self.apply(event)
        super().record(event)

    def apply(self, event: DomainEvent) -> None:
        try:
            applier = self._appliers[type(event)]
        except KeyError:
            raise TypeError(f"{type(self).__name__} has no @when({type(event).__name__}) method") from None
        applier(self, event)

    @property
    def pending_version(self) -> int:
        return self.version + len(self._pending)

    def snapshot(self) -> dict[str, Any] | None:
        """The state as a JSON-friendly dict, or None when this aggregate takes no snapshots."""
        return None

    @classmethod
    def restore(cls, id: str, state: dict[str, Any]) -> EventSourcedAggregate:
        raise NotImplementedError(f"{cls.__name__} does not restore from snapshots")

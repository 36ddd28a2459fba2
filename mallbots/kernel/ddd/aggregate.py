"""Aggregates record what happened as domain events; repositories persist them and hand the
recorded events to the dispatcher. Commands may fail loudly (raise a DomainError before
recording anything); recorded events are facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, get_type_hints

from . import serde
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
    """State is the fold of its events. Subclasses set `stream_type` and write one
    `@when(Event)` method per event.

    Snapshots: name the attributes that make up the state in `snapshot_fields` (each annotated
    on the class); `snapshot()` and `restore()` then convert them with serde, from their
    annotations (Decimal as a string, enums as values, nested dataclasses). A field missing
    from an older snapshot keeps the value the constructor gives it, so adding a field needs
    nothing more; bump `snapshot_version` when a field changes meaning or form, and outdated
    snapshots are ignored (the stream is replayed), never misread. An aggregate whose snapshot
    is not its attributes as they are overrides both methods."""

    stream_type: ClassVar[str]
    snapshot_version: ClassVar[int] = 1
    snapshot_fields: ClassVar[tuple[str, ...]] = ()
    _appliers: ClassVar[dict[type[DomainEvent], Applier]]
    _snapshot_types: ClassVar[dict[str, Any] | None] = None

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
        types = self._snapshot_field_types()
        if not types:
            return None
        return {name: serde.dump(tp, getattr(self, name)) for name, tp in types.items()}

    @classmethod
    def restore(cls, id: str, state: dict[str, Any]) -> EventSourcedAggregate:
        """The aggregate `snapshot()` gave `state` for (the events after it still to apply)."""
        types = cls._snapshot_field_types()
        if not types:
            raise NotImplementedError(f"{cls.__name__} does not restore from snapshots")
        aggregate = cls(id)
        for name, tp in types.items():
            if name in state:
                setattr(aggregate, name, serde.load(tp, state[name]))
        return aggregate

    @classmethod
    def _snapshot_field_types(cls) -> dict[str, Any]:
        # Resolved on first use (the annotations may name types defined after the class).
        types = cls.__dict__.get("_snapshot_types")
        if types is None:
            hints = get_type_hints(cls)
            missing = [name for name in cls.snapshot_fields if name not in hints]
            if missing:
                raise TypeError(f"{cls.__name__}.snapshot_fields names unannotated attributes: {missing}")
            types = {name: hints[name] for name in cls.snapshot_fields}
            cls._snapshot_types = types
        return types

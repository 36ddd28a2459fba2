"""Domain events: frozen dataclasses with a stable name and an integer schema version.

    @dataclass(frozen=True)
    class StoreCreated(DomainEvent, name="stores.StoreCreated", version=1):
        store_id: str
        name: str

Old stored versions stay readable through upcasters, pure functions from the data of
version N to the data of version N+1:

    @upcaster("stores.StoreCreated", from_version=1)
    def _v1_to_v2(data: dict) -> dict: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEvent(LookupError):
    pass


class UnknownEventVersion(ValueError):
    pass


T = TypeVar("T")


class EventTypeRegistry(Generic[T]):
    """Name -> current class, plus the chain of upcasters per name. Pure Python, one per kind of
    message (domain events here; integration events, commands and replies in the messaging
    kernel)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._types: dict[str, type[T]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def add(self, name: str, cls: type[T]) -> None:
        existing = self._types.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"{self.kind} `{name}` is already registered by {existing.__qualname__}")
        self._types[name] = cls

    def add_upcaster(self, name: str, from_version: int, fn: Upcaster) -> None:
        key = (name, from_version)
        if key in self._upcasters and self._upcasters[key] is not fn:
            raise ValueError(f"an upcaster from {name} v{from_version} is already registered")
        self._upcasters[key] = fn

    def get(self, name: str) -> type[T]:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEvent(f"nothing has been registered with the {self.kind} name `{name}`") from None

    def names(self) -> list[str]:
        return sorted(self._types)

    def upcast(self, name: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
        """Bring `data` stored at `version` up to the current version of `name`."""
        current: int = getattr(self.get(name), "event_version", 1)
        if version > current:
            raise UnknownEventVersion(f"{name} v{version} is newer than the known v{current}")
        while version < current:
            try:
                data = self._upcasters[(name, version)](data)
            except KeyError:
                raise UnknownEventVersion(f"no upcaster from {name} v{version} to v{version + 1}") from None
            version += 1
        return data


domain_events: EventTypeRegistry[DomainEvent] = EventTypeRegistry("domain event")


class DomainEvent:
    """Base of domain events. Subclasses are frozen dataclasses declared with
    `name=` (stable, never reused) and `version=` (bumped on a breaking change), available
    as `event_name` and `event_version`."""

    # Prefixed so that events can have fields called `name` or `version`.
    event_name: ClassVar[str]
    event_version: ClassVar[int] = 1

    def __init_subclass__(cls, *, name: str | None = None, version: int = 1, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name is None:
            return  # an intermediate base class
        cls.event_name = name
        cls.event_version = version
        domain_events.add(name, cls)


def upcaster(name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    def register(fn: Upcaster) -> Upcaster:
        domain_events.add_upcaster(name, from_version, fn)
        return fn

    return register

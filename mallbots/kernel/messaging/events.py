"""Integration events: the published language between contexts. Declared in the producer's
contracts.py as frozen dataclasses with a stable name and an integer version:

    @dataclass(frozen=True)
    class StoreCreated(IntegrationEvent, name="storesapi.StoreCreated", version=1, producer="stores"):
        id: str
        name: str
        location: str

`partition_by` names the field whose value orders messages per aggregate (default `id`).
Additive changes keep the version; any other change adds a version and an upcaster from the
previous one (`@integration_upcaster(name, from_version=N)`), so consumers on the new code
still read messages written by the old."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from mallbots.kernel.ddd.events import EventTypeRegistry, Upcaster
from mallbots.kernel.ddd.serde import json_schema

integration_events: EventTypeRegistry[IntegrationEvent] = EventTypeRegistry("integration event")


class IntegrationEvent:
    # Prefixed so that events can have fields called `name` or `version`.
    event_name: ClassVar[str]
    event_version: ClassVar[int] = 1
    event_producer: ClassVar[str]
    partition_by: ClassVar[str] = "id"

    def __init_subclass__(
        cls,
        *,
        name: str | None = None,
        version: int = 1,
        producer: str | None = None,
        partition_by: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if partition_by is not None:
            cls.partition_by = partition_by
        if name is None:
            return
        if producer is None:
            raise TypeError(f"{cls.__qualname__}: an integration event needs producer=")
        cls.event_name = name
        cls.event_version = version
        cls.event_producer = producer
        integration_events.add(name, cls)

    def partition_key(self) -> str:
        return str(getattr(self, self.partition_by))


def integration_upcaster(name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    def register(fn: Upcaster) -> Upcaster:
        integration_events.add_upcaster(name, from_version, fn)
        return fn

    return register


def schema(event_type: type[IntegrationEvent]) -> dict[str, Any]:
    """JSON schema of the event's payload, from its dataclass fields."""
    return {
        "name": event_type.event_name,
        "version": event_type.event_version,
        "producer": event_type.event_producer,
        "partitionBy": event_type.partition_by,
        "payload": json_schema(event_type),
    }

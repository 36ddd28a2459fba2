"""A benchmark-only event-sourced aggregate: as small as an aggregate can be, so the
benchmark measures the kernel (load, append, snapshot, dispatch, outbox) and not a domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mallbots.kernel.ddd import EventSourcedAggregate, when
from mallbots.kernel.ddd.events import DomainEvent


@dataclass(frozen=True)
class Incremented(DomainEvent, name="benchmark.Incremented"):
    counter_id: str
    by: int = 1


class Counter(EventSourcedAggregate):
    stream_type = "benchmark.Counter"
    snapshot_version = 1

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.value = 0

    def increment(self, by: int = 1) -> None:
        self.record(Incremented(counter_id=self.id, by=by))

    @when(Incremented)
    def _incremented(self, event: Incremented) -> None:
        self.value += event.by

    def snapshot(self) -> dict[str, Any]:
        return {"value": self.value}

    @classmethod
    def restore(cls, id: str, state: dict[str, Any]) -> Counter:
        counter = cls(id)
        counter.value = state["value"]
        return counter


class UnsnapshottedCounter(Counter):
    """The same stream read as if no snapshot existed: a repository of this type asks for a
    snapshot schema version that no stored snapshot has, so it folds every event."""

    snapshot_version = Counter.snapshot_version + 1_000_000

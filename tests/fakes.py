"""Test doubles for unit tests of a context's decisions, at the contract edge only."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

import pytest

from mallbots.kernel.ddd import Aggregate
from mallbots.kernel.messaging.api import IntegrationEvent
from mallbots.kernel.uow import dispatch_events


class FakeBus:
    """Stands in for the outbox: records what a context's receivers publish, in order."""

    def __init__(self) -> None:
        self.published: list[IntegrationEvent] = []

    def publish(self, event: IntegrationEvent, **_: Any) -> None:
        self.published.append(event)

    def install(self, monkeypatch: pytest.MonkeyPatch, *modules: ModuleType) -> FakeBus:
        """Replace `publish` in the modules (a context's signals) with this bus."""
        for module in modules:
            monkeypatch.setattr(module, "publish", self.publish)
        return self

    def settle(self, *aggregates: Aggregate) -> list[IntegrationEvent]:
        """What a repository does after saving: dispatch each aggregate's recorded domain events
        to the receivers (which translate them onto this bus); returns what they published."""
        before = len(self.published)
        for aggregate in aggregates:
            events: Iterable[Any] = aggregate.pending_events
            dispatch_events(type(aggregate).__name__.lower(), aggregate.id, aggregate.version, events)
            aggregate.clear_events()
        return self.published[before:]

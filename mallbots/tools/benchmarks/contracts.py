from __future__ import annotations

from dataclasses import dataclass

from mallbots.kernel.messaging.api import IntegrationEvent


@dataclass(frozen=True)
class CounterIncremented(
    IntegrationEvent,
    name="benchmarkapi.Incremented",
    producer="benchmark",
    partition_by="counter_id",
):
    """Published once per benchmark command, so every command pays the outbox write and the
    relay has a delivery to send."""

    counter_id: str
    value: int

"""What the basket tests look at: the stored events and the outbox rows of a basket."""

from __future__ import annotations

from typing import Any

from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage


def events_of(basket_id: str) -> list[tuple[int, str]]:
    return list(
        Event.objects.filter(stream_type="baskets.Basket", stream_id=basket_id)
        .order_by("version")
        .values_list("version", "event_type")
    )


def published(basket_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, payload) of the integration events published for the basket, in order."""
    return [
        (row.name, row.payload)
        for row in StreamMessage.objects.filter(partition_key=basket_id).order_by("position")
    ]

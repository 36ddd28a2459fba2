"""What a command left behind: events, outbox messages, read model rows."""

from __future__ import annotations

from typing import Any

from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage


def events_of(stream_id: str) -> list[tuple[str, int, str, dict[str, Any]]]:
    return [
        (e.stream_type, e.version, e.event_type, e.data)
        for e in Event.objects.filter(stream_id=stream_id).order_by("version")
    ]


def messages_of(partition_key: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (m.name, m.payload)
        for m in StreamMessage.objects.filter(partition_key=partition_key).order_by("position")
    ]


def counts() -> tuple[int, int, int, int]:
    """Events, outbox messages, stores and products: a negative test asserts they did not move."""
    from apps.stores.models import Product, Store

    return (
        Event.objects.count(),
        StreamMessage.objects.count(),
        Store.objects.count(),
        Product.objects.count(),
    )

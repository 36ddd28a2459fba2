"""What the order tests look at: the stored events, the outbox rows and the read model row."""

from __future__ import annotations

from typing import Any

from apps.ordering.models import Order
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage


def events_of(order_id: str) -> list[tuple[int, str]]:
    return list(
        Event.objects.filter(stream_type="ordering.Order", stream_id=order_id)
        .order_by("version")
        .values_list("version", "event_type")
    )


def published(order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, payload) of the integration events the ordering context published for the order."""
    return [
        (row.name, row.payload)
        for row in StreamMessage.objects.filter(producer="ordering", partition_key=order_id).order_by(
            "position"
        )
    ]


def row(order_id: str) -> dict[str, Any]:
    return (
        Order.objects.filter(id=order_id)
        .values(
            "customer_id",
            "payment_id",
            "shopping_id",
            "invoice_id",
            "bot_id",
            "status",
            "rejection_reason",
            "total",
            "items",
            "version",
        )
        .get()
    )


def line(item: Any) -> dict[str, Any]:
    """An item as the read model and the published events hold it."""
    return {
        "store_id": item.store_id,
        "product_id": item.product_id,
        "store_name": item.store_name,
        "product_name": item.product_name,
        "price": str(item.price),
        "quantity": item.quantity,
    }

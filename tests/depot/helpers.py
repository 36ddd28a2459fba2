"""What the depot tests look at: the outbox rows the depot published, and the rows it keeps."""

from __future__ import annotations

from typing import Any

from apps.depot.models import Bot, ShoppingList
from mallbots.kernel.messaging.models import StreamMessage


def published(order_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(name, payload) of the integration events the depot published (for one order), in order."""
    rows = StreamMessage.objects.filter(producer="depot")
    if order_id is not None:
        rows = rows.filter(partition_key=order_id)
    return [(row.name, row.payload) for row in rows.order_by("position")]


def list_state(list_id: str) -> tuple[str, str, int]:
    """(status, assigned bot id, version) of a shopping list."""
    return ShoppingList.objects.values_list("status", "assigned_bot_id", "version").get(id=list_id)


def bot_state(bot_id: str) -> tuple[str, str, int]:
    """(status, current shopping list id, version) of a bot."""
    return Bot.objects.values_list("status", "shopping_list_id", "version").get(id=bot_id)

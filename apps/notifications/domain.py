"""What the customer is told about an order, and when: one short SMS per order and kind.
Pure Python: the texts and their rules, nothing about how or whether an SMS goes out."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

# One SMS segment: a longer text would be split (and billed) in several.
SMS_MAX_LENGTH = 160
CENT = Decimal("0.01")


class Kind(StrEnum):
    """The customer-facing steps of an order's life. The customer hears of each once."""

    CREATED = "created"
    REJECTED = "rejected"
    CANCELED = "canceled"
    READY = "ready"
    COMPLETED = "completed"


def short_order_id(order_id: str) -> str:
    """What the customer quotes at the desk: the first 6 characters of the order id."""
    return order_id[:6]


def _money(total: Decimal) -> str:
    return str(total.quantize(CENT))


def order_created_text(order_id: str, total: Decimal) -> str:
    return (
        f"MallBots: thanks for your order {short_order_id(order_id)}. Total {_money(total)}. "
        "We will text you when it is ready."
    )


def order_rejected_text(order_id: str, reason: str) -> str:
    """The reason is the saga's ("customer is not authorized", ...), cut to keep one SMS."""
    head = f"MallBots: sorry, your order {short_order_id(order_id)} was rejected"
    reason = " ".join(reason.split()).rstrip(".")
    if not reason:
        return f"{head}."
    room = SMS_MAX_LENGTH - len(head) - len(": .")
    if len(reason) > room:
        reason = reason[: room - 1].rstrip() + "…"
    return f"{head}: {reason}."


def order_canceled_text(order_id: str) -> str:
    return f"MallBots: your order {short_order_id(order_id)} has been cancelled."


def order_ready_text(order_id: str, total: Decimal) -> str:
    return f"MallBots: your order {short_order_id(order_id)} is ready for pickup. Total {_money(total)}."


def order_completed_text(order_id: str) -> str:
    return f"MallBots: your order {short_order_id(order_id)} is complete. Thank you for shopping with us!"

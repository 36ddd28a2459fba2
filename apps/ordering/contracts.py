"""Published language of the ordering context. Every event is keyed by the order id, and
every message about one order carries the order id as its correlation id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mallbots.kernel.messaging.api import IntegrationEvent

from . import selectors


@dataclass(frozen=True)
class OrderItem:
    product_id: str
    store_id: str
    product_name: str
    store_name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True)
class OrderCreated(IntegrationEvent, name="ordersapi.OrderCreated", producer="ordering"):
    """Starts the create-order saga. `shopping_id` is empty, as in the original. `saga` says
    how the saga runs: "choreography" (the participants react to one another's events) or
    "orchestration" (ordering's CreateOrderSaga sends them commands; their events about this
    order are then facts, not cues). Absent from messages older than the field: choreography."""

    id: str
    customer_id: str
    payment_id: str
    shopping_id: str
    total: Decimal
    items: tuple[OrderItem, ...]
    saga: str = "choreography"

    @property
    def orchestrated(self) -> bool:
        return self.saga == "orchestration"


@dataclass(frozen=True)
class OrderApproved(IntegrationEvent, name="ordersapi.OrderApproved", producer="ordering"):
    id: str
    customer_id: str
    payment_id: str
    shopping_id: str


@dataclass(frozen=True)
class OrderRejected(IntegrationEvent, name="ordersapi.OrderRejected", producer="ordering"):
    id: str
    customer_id: str
    payment_id: str
    reason: str


@dataclass(frozen=True)
class OrderInProgress(IntegrationEvent, name="ordersapi.OrderInProgress", producer="ordering"):
    """A bot took the order's shopping list."""

    id: str
    customer_id: str
    shopping_id: str
    bot_id: str


@dataclass(frozen=True)
class OrderReadied(IntegrationEvent, name="ordersapi.OrderReadied", producer="ordering"):
    id: str
    customer_id: str
    payment_id: str
    total: Decimal


@dataclass(frozen=True)
class OrderCanceled(IntegrationEvent, name="ordersapi.OrderCanceled", producer="ordering"):
    id: str
    customer_id: str
    payment_id: str
    shopping_id: str


@dataclass(frozen=True)
class OrderCompleted(IntegrationEvent, name="ordersapi.OrderCompleted", producer="ordering"):
    id: str
    customer_id: str
    invoice_id: str


# --- Open-host queries ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderInfo:
    id: str
    customer_id: str
    payment_id: str
    shopping_id: str
    invoice_id: str
    status: str  # pending|rejected|approved|in-progress|ready|completed|cancelled
    total: Decimal
    items: tuple[OrderItem, ...]
    created_at: datetime
    updated_at: datetime
    saga: str = "choreography"  # or "orchestration": how its create-order saga runs


def _info(order: selectors.Order) -> OrderInfo:
    """The order as the open-host queries publish it: a frozen dataclass, never the model."""
    return OrderInfo(
        id=order.id,
        customer_id=order.customer_id,
        payment_id=order.payment_id,
        shopping_id=order.shopping_id,
        invoice_id=order.invoice_id,
        status=order.status,
        total=order.total,
        items=tuple(
            OrderItem(
                product_id=line["product_id"],
                store_id=line["store_id"],
                product_name=line["product_name"],
                store_name=line["store_name"],
                price=Decimal(line["price"]),
                quantity=line["quantity"],
            )
            for line in order.items
        ),
        created_at=order.created_at,
        updated_at=order.updated_at,
        saga=order.saga,
    )


def get_order(order_id: str) -> OrderInfo | None:
    """The order, or None when there is no such order."""
    order = selectors.order_find(order_id=order_id)
    return None if order is None else _info(order)


def list_orders(*, after_id: str = "", limit: int = 500) -> list[OrderInfo]:
    """Orders by id, `limit` at a time after `after_id`: for rebuilding other contexts' views."""
    return [_info(order) for order in selectors.order_list_after(after_id=after_id, limit=limit)]


@dataclass(frozen=True)
class OrdersInFlight:
    """Orders not in a final state yet (pending, approved, in-progress, ready)."""

    statuses: tuple[str, ...]
    count: int
    oldest: OrderInfo | None


def count_orders_by_status(*, created_since: datetime) -> dict[str, int]:
    """How many orders created since `created_since` are in each status, every status named."""
    return selectors.order_count_by_status(created_since=created_since)


def orders_in_flight() -> OrdersInFlight:
    oldest = selectors.order_oldest_in_flight()
    return OrdersInFlight(
        statuses=tuple(str(status) for status in selectors.IN_FLIGHT),
        count=selectors.order_count_in_flight(),
        oldest=None if oldest is None else _info(oldest),
    )


@dataclass(frozen=True)
class MinuteOfOrders:
    minute: datetime
    status: str
    count: int


@dataclass(frozen=True)
class SagaDuration:
    ended_at: datetime
    seconds: float  # from the order's creation (the checkout) to its approval or rejection
    outcome: str  # approved|rejected


def count_orders_per_minute(*, created_since: datetime) -> list[MinuteOfOrders]:
    """How many orders created since `created_since` are in each status, minute by minute
    (minutes and statuses without orders are left out)."""
    from . import selectors

    return [
        MinuteOfOrders(minute, status, count)
        for minute, status, count in selectors.order_count_per_minute(created_since=created_since)
    ]


def saga_durations(*, ended_since: datetime) -> list[SagaDuration]:
    """How long each create-order saga that ended since `ended_since` took, newest first."""
    from . import selectors

    return [
        SagaDuration(ended_at, seconds, outcome)
        for ended_at, seconds, outcome in selectors.order_saga_durations(ended_since=ended_since)
    ]

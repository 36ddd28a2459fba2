"""What the search tests look at: the rows, in a comparable form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.search.models import CustomerCache, SearchOrder

ROW_FIELDS = (
    "order_id",
    "customer_id",
    "customer_name",
    "items",
    "product_ids",
    "store_ids",
    "total",
    "status",
    "created_at",
)


def rows() -> list[dict[str, Any]]:
    """Every searchable order, by id, with every column (when it was written included)."""
    return list(SearchOrder.objects.order_by("order_id").values(*ROW_FIELDS, "updated_at"))


def row(order_id: str) -> dict[str, Any]:
    """The order's row, without the time it was written (the database's clock)."""
    return SearchOrder.objects.values(*ROW_FIELDS).get(order_id=order_id)


def written_at(order_id: str) -> datetime:
    return SearchOrder.objects.values_list("updated_at", flat=True).get(order_id=order_id)


def cached_names() -> dict[str, str]:
    return dict(CustomerCache.objects.values_list("id", "name"))


class FakeCustomers:
    """Stands in for the customers context's open-host query `get_customer`: answers the
    customers in `names`, None for others, and records every call."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.calls: list[str] = []

    def get_customer(self, customer_id: str) -> Any:
        from apps.customers.contracts import CustomerInfo

        self.calls.append(customer_id)
        name = self.names.get(customer_id)
        return None if name is None else CustomerInfo(customer_id, name, "555-0100", True)


class FakeOrdering:
    """Stands in for the ordering context's open-host queries `list_orders` and `get_order`,
    over the orders given; records the pages asked for. `while_reading` runs inside the next
    `list_orders`, as something another process commits while the rebuild reads."""

    def __init__(self, orders: list[Any]) -> None:
        self.orders = {order.id: order for order in orders}
        self.pages: list[tuple[str, int]] = []
        self.while_reading: Any = None

    def list_orders(self, *, after_id: str = "", limit: int = 500) -> list[Any]:
        self.pages.append((after_id, limit))
        if self.while_reading is not None:
            self.while_reading()
            self.while_reading = None
        return [self.orders[order_id] for order_id in sorted(self.orders) if order_id > after_id][:limit]

    def get_order(self, order_id: str) -> Any:
        return self.orders.get(order_id)

"""Searchable orders made the way the handlers make them: through the services. Orders of
the ordering context (for the rebuild) as its open-host query returns them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import factory

from apps.ordering import contracts as ordering
from apps.search import selectors, services
from apps.search.domain import OrderLine, OrderStatus
from apps.search.models import SearchOrder

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def line(
    *,
    product_id: str | None = None,
    store_id: str | None = None,
    product_name: str = "Espresso beans 1 kg",
    store_name: str = "Corner Coffee",
    price: str = "18.50",
    quantity: int = 1,
) -> OrderLine:
    return OrderLine(
        product_id=product_id or new_id(),
        store_id=store_id or new_id(),
        product_name=product_name,
        store_name=store_name,
        price=Decimal(price),
        quantity=quantity,
    )


def total_of(lines: list[OrderLine]) -> Decimal:
    return sum((item.price * item.quantity for item in lines), Decimal("0"))


class SearchOrderFactory(factory.Factory):
    """Adds the order as on_ordering_order_created does, then sets its status as the later
    order events do; returns its row."""

    class Meta:
        model = SearchOrder

    order_id = factory.LazyFunction(new_id)
    customer_id = factory.LazyFunction(new_id)
    items = factory.LazyFunction(lambda: [line()])
    total = None  # the items' total unless given
    created_at = factory.Sequence(lambda n: T0 + timedelta(minutes=n))
    status = OrderStatus.PENDING

    @classmethod
    def _create(cls, model_class: type[SearchOrder], *args: Any, **kwargs: Any) -> SearchOrder:
        items = kwargs["items"]
        services.search_order_add(
            order_id=kwargs["order_id"],
            customer_id=kwargs["customer_id"],
            items=items,
            total=kwargs["total"] if kwargs["total"] is not None else total_of(items),
            created_at=kwargs["created_at"],
        )
        if kwargs["status"] != OrderStatus.PENDING:
            services.search_order_change_status(order_id=kwargs["order_id"], status=kwargs["status"])
        return selectors.search_order_get(order_id=kwargs["order_id"])


def order_info(
    *,
    order_id: str | None = None,
    customer_id: str | None = None,
    status: str = "pending",
    items: list[OrderLine] | None = None,
    created_at: datetime = T0,
) -> ordering.OrderInfo:
    """An order as `apps.ordering.contracts.list_orders` / `get_order` return it."""
    lines = items if items is not None else [line()]
    return ordering.OrderInfo(
        id=order_id or new_id(),
        customer_id=customer_id or new_id(),
        payment_id=new_id(),
        shopping_id="",
        invoice_id="",
        status=status,
        total=total_of(lines),
        items=tuple(
            ordering.OrderItem(
                product_id=item.product_id,
                store_id=item.store_id,
                product_name=item.product_name,
                store_name=item.store_name,
                price=item.price,
                quantity=item.quantity,
            )
            for item in lines
        ),
        created_at=created_at,
        updated_at=created_at,
    )

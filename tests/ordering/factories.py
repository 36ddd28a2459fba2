"""Orders made the way the system makes them: through services, so events, read model rows and
outbox rows are all real. `OrderFactory(status=...)` walks the order's life up to that status."""

from __future__ import annotations

import uuid
from decimal import Decimal

import factory

from apps.ordering import services
from apps.ordering.domain import Item
from apps.ordering.models import Order
from mallbots.kernel.ddd import context as message_context


def new_id() -> str:
    return str(uuid.uuid4())


def item(
    *,
    price: str = "9.99",
    quantity: int = 1,
    product_name: str = "Shirt",
    store_name: str = "Threads",
    store_id: str | None = None,
    product_id: str | None = None,
) -> Item:
    return Item(
        store_id=store_id or new_id(),
        product_id=product_id or new_id(),
        store_name=store_name,
        product_name=product_name,
        price=Decimal(price),
        quantity=quantity,
    )


# The steps from `pending` to each status, as the saga and the API take them.
PATHS = {
    "pending": [],
    "approved": ["approve"],
    "in-progress": ["approve", "start"],
    "ready": ["approve", "start", "ready"],
    "completed": ["approve", "start", "ready", "complete"],
    "rejected": ["reject"],
    "cancelled": ["cancel"],
    "cancelled-after-approval": ["approve", "cancel"],
}


class OrderFactory(factory.Factory):
    class Meta:
        model = Order

    id = factory.LazyFunction(new_id)
    customer_id = factory.LazyFunction(new_id)
    payment_id = factory.LazyFunction(new_id)
    items = factory.LazyFunction(lambda: [item(price="9.99", quantity=2), item(price="4.50", quantity=1)])
    status = "pending"
    shopping_id = factory.LazyFunction(new_id)
    bot_id = factory.LazyFunction(new_id)
    reason = "customer is not authorized"

    @classmethod
    def _create(
        cls,
        model_class: type[Order],
        id: str,
        customer_id: str,
        payment_id: str,
        items: list[Item],
        status: str,
        shopping_id: str,
        bot_id: str,
        reason: str,
    ) -> Order:
        steps = {
            "approve": lambda: services.order_approve(order_id=id, shopping_id=shopping_id),
            "start": lambda: services.order_start(order_id=id, bot_id=bot_id),
            "ready": lambda: services.order_ready(order_id=id),
            "complete": lambda: services.order_complete(order_id=id, invoice_id=id),
            "reject": lambda: services.order_reject(order_id=id, reason=reason),
            "cancel": lambda: services.order_cancel(order_id=id),
        }
        with message_context.use(correlation_id=id):
            services.order_create(order_id=id, customer_id=customer_id, payment_id=payment_id, items=items)
            for step in PATHS[status]:
                steps[step]()
        return model_class.objects.get(id=id)

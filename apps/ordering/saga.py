"""The create-order saga as an orchestration (MALLBOTS_SAGA=orchestration, docs/saga.md): run by
the kernel's saga engine from the order's creation, one instance per order (its id is the
order id), its replies handled on the `ordering` queue.

| step | forward                            | compensation                       |
|------|------------------------------------|------------------------------------|
| 0    |                                    | reject the order (local)           |
| 1    | customersapi.AuthorizeCustomer     |                                    |
| 2    | depotapi.CreateShoppingListCommand | depotapi.CancelShoppingListCommand |
| 3    | paymentsapi.ConfirmPayment         | paymentsapi.ReleasePayment         |
| 4    | depotapi.InitiateShoppingCommand   |                                    |
| 5    | approve the order (local)          |                                    |

Approving and rejecting are local steps: the saga lives in the context that owns the order,
so they run in the transaction that handles the reply, not as commands to itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.payments import contracts as payments
from mallbots.kernel.sagas.api import Saga, Step
from mallbots.kernel.sagas.api import start as start_saga

from . import services
from .domain import OrderCreated, OrderStatusRefused

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreateOrderData:
    order_id: str
    customer_id: str
    payment_id: str
    total: Decimal
    items: tuple[depot.ShoppingItem, ...]
    shopping_id: str = ""  # from the depot's CreatedShoppingList reply


def _reject(data: CreateOrderData, reason: str) -> None:
    """The last compensation. An order that moved on meanwhile (the customer cancelled it) is
    left as it is: nothing is left to undo."""
    try:
        services.order_reject(order_id=data.order_id, reason=reason)
    except OrderStatusRefused as refused:
        logger.info("order %s not rejected: %s", data.order_id, refused.message)


def _approve(data: CreateOrderData) -> None:
    """The last step; refused (and the saga compensates) when the order was cancelled."""
    services.order_approve(order_id=data.order_id, shopping_id=data.shopping_id)


def _list_created(data: CreateOrderData, reply: depot.CreatedShoppingList) -> CreateOrderData:
    return replace(data, shopping_id=reply.id)


class CreateOrderSaga(Saga[CreateOrderData]):
    name = "ordering.CreateOrder"
    reply_channel = "ordering.create_order.replies"
    queue = "ordering"
    data_type = CreateOrderData
    steps = [
        Step("reject order", local_compensation=_reject),
        Step(
            "authorize customer",
            action=lambda d: customers.AuthorizeCustomer(customer_id=d.customer_id, order_id=d.order_id),
        ),
        Step(
            "create shopping list",
            action=lambda d: depot.CreateShoppingList(order_id=d.order_id, items=d.items),
            on_reply={depot.CreatedShoppingList: _list_created},
            compensation=lambda d: depot.CancelShoppingList(order_id=d.order_id),
        ),
        Step(
            "confirm payment",
            action=lambda d: payments.ConfirmPayment(
                order_id=d.order_id, customer_id=d.customer_id, payment_id=d.payment_id, amount=d.total
            ),
            compensation=lambda d: payments.ReleasePayment(order_id=d.order_id),
        ),
        Step("initiate shopping", action=lambda d: depot.InitiateShopping(order_id=d.order_id)),
        Step("approve order", local=_approve),
    ]

    @classmethod
    def timeout_reason(cls, step: Step[Any]) -> str:
        # What a client reads in both modes when a step never answered.
        return services.STALE_REASON


def start(event: OrderCreated) -> None:
    """Start the order's saga, in the transaction that created it."""
    start_saga(
        CreateOrderSaga,
        event.order_id,
        CreateOrderData(
            order_id=event.order_id,
            customer_id=event.customer_id,
            payment_id=event.payment_id,
            total=event.total,
            items=tuple(
                depot.ShoppingItem(
                    product_id=item.product_id,
                    store_id=item.store_id,
                    product_name=item.product_name,
                    quantity=item.quantity,
                )
                for item in event.items
            ),
        ),
    )

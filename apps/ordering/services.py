"""Commands of the ordering context: the order's use cases. Each is one transaction, retried
when it loses an optimistic-concurrency race (@command). Callers that act on one order run
them under the order id as correlation id (the API, the admin, the handlers, the sweep)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.eventstore.api import AggregateRepository
from mallbots.kernel.uow import command

from . import selectors
from .domain import Item, Order, OrderCannotBeRejected, OrderNotFound

logger = logging.getLogger(__name__)

orders = AggregateRepository(Order, not_found=OrderNotFound)

STALE_REASON = "the order was not approved in time"


@command
def order_create(*, order_id: str, customer_id: str, payment_id: str, items: Iterable[Item]) -> str:
    """Creates the pending order `order_id` (the basket id, or a new id from the API) and
    returns its id. An id already used is refused: an order is never recreated. Its
    create-order saga runs in the mode MALLBOTS_SAGA names now, to its end."""
    order = orders.find(order_id) or Order(order_id)
    order.create(customer_id=customer_id, payment_id=payment_id, items=items, saga=settings.MALLBOTS_SAGA)
    orders.save(order)
    return order_id


@command
def order_approve(*, order_id: str, shopping_id: str) -> None:
    order = orders.get(order_id)
    order.approve(shopping_id)
    orders.save(order)


@command
def order_reject(*, order_id: str, reason: str) -> None:
    order = orders.get(order_id)
    order.reject(reason)
    orders.save(order)


@command
def order_start(*, order_id: str, bot_id: str) -> None:
    """The order is in progress: `bot_id` took its shopping list."""
    order = orders.get(order_id)
    order.start(bot_id)
    orders.save(order)


@command
def order_ready(*, order_id: str) -> None:
    order = orders.get(order_id)
    order.ready()
    orders.save(order)


@command
def order_complete(*, order_id: str, invoice_id: str) -> None:
    order = orders.get(order_id)
    order.complete(invoice_id)
    orders.save(order)


@command
def order_cancel(*, order_id: str) -> None:
    order = orders.get(order_id)
    order.cancel()
    orders.save(order)


def order_reject_stale(*, older_than: timedelta, limit: int = 500) -> list[str]:
    """Rejects the choreographed orders still pending `older_than` after their creation (a
    saga step never answered), each in its own transaction under its id as correlation id. An
    order approved or cancelled meanwhile is left alone; an orchestrated one times out by its
    saga's step deadlines. Returns the ids rejected."""
    rejected = []
    for order_id in selectors.order_list_stale(created_before=timezone.now() - older_than, limit=limit):
        try:
            with message_context.use(correlation_id=order_id, actor="ordering.reject_stale_orders"):
                order_reject(order_id=order_id, reason=STALE_REASON)
        except OrderCannotBeRejected:
            logger.info("stale order %s moved on before it could be rejected", order_id)
        else:
            rejected.append(order_id)
    if rejected:
        logger.info("rejected %d order(s) not approved in time", len(rejected))
    return rejected

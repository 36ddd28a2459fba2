"""The ordering context with a real Celery worker (and beat) consuming the `ordering` queue:
the saga's messages, published as their producers publish them, arrive all at once and are
handled in publication order; the stale-order sweep runs on its schedule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from apps.baskets import contracts as baskets
from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.ordering.models import Order
from apps.payments import contracts as payments
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import wait_until
from tests.ordering.factories import OrderFactory, new_id
from tests.ordering.helpers import events_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def publish_each(order_id: str, *events: IntegrationEvent) -> None:
    """One transaction per event, under the order id, as the saga's participants publish."""
    for event in events:
        with message_context.use(correlation_id=order_id), transaction.atomic():
            publish(event)


def checked_out(basket_id: str) -> baskets.BasketCheckedOut:
    return baskets.BasketCheckedOut(
        id=basket_id,
        customer_id="customer-1",
        payment_id="payment-1",
        items=(
            baskets.BasketItem(
                store_id="store-1",
                product_id="product-1",
                store_name="Threads",
                product_name="Shirt",
                price=Decimal("9.99"),
                quantity=2,
            ),
        ),
    )


def status(order_id: str) -> str | None:
    return Order.objects.filter(id=order_id).values_list("status", flat=True).first()


def test_the_worker_takes_an_order_through_its_whole_life_in_publication_order(start_worker):
    # given
    worker = start_worker("ordering,messaging")
    order_id = new_id()
    # when every step is published at once
    publish_each(
        order_id,
        checked_out(order_id),
        depot.ShoppingListInitiated(id="shopping-1", order_id=order_id),
        depot.ShoppingListAssigned(id="shopping-1", order_id=order_id, bot_id="bot-1"),
        depot.ShoppingListCompleted(id="shopping-1", order_id=order_id),
        payments.InvoicePaid(id=order_id, order_id=order_id, amount=Decimal("19.98")),
    )
    # then
    wait_until(lambda: status(order_id) == "completed")
    assert [name for _, name in events_of(order_id)] == [
        "ordering.OrderCreated",
        "ordering.OrderApproved",
        "ordering.OrderInProgress",
        "ordering.OrderReadied",
        "ordering.OrderCompleted",
    ]
    assert Order.objects.values_list("shopping_id", "bot_id", "invoice_id").get(id=order_id) == (
        "shopping-1",
        "bot-1",
        order_id,
    )
    assert (
        Delivery.objects.filter(
            status="handled",
            handler__startswith="ordering.",
            message_id__in=StreamMessage.objects.filter(correlation_id=order_id).values("message_id"),
        ).count()
        == 5
    )
    assert not FailedDelivery.objects.exists()
    assert "  . ordering.reject_stale_orders\n" in worker.output()  # in the worker's [tasks] list


def test_a_late_approval_after_a_rejection_leaves_the_order_rejected(start_worker):
    # given
    start_worker("ordering,messaging")
    order_id = new_id()
    # when
    publish_each(
        order_id,
        checked_out(order_id),
        customers.CustomerAuthorizationFailed(
            id="customer-1", order_id=order_id, reason="customer is not authorized"
        ),
        depot.ShoppingListInitiated(id="shopping-1", order_id=order_id),
    )
    # then
    wait_until(
        lambda: Delivery.objects.filter(status="handled", handler__startswith="ordering.").count() == 3
    )
    assert Order.objects.values_list("status", "rejection_reason").get(id=order_id) == (
        "rejected",
        "customer is not authorized",
    )
    assert [name for _, name in events_of(order_id)] == ["ordering.OrderCreated", "ordering.OrderRejected"]
    assert not FailedDelivery.objects.exists()


@pytest.fixture
def short_pending_timeout(monkeypatch):
    """Workers started after this read a one-second saga timeout."""
    monkeypatch.setenv("ORDERING_PENDING_TIMEOUT_SECONDS", "1")


def test_beat_rejects_an_order_the_saga_never_answered(short_pending_timeout, start_worker):
    # given
    order = OrderFactory()
    # when the worker's beat runs the sweep (every 15 seconds)
    start_worker("ordering,messaging")
    # then
    wait_until(lambda: status(order.id) == "rejected", timeout=40)
    assert Order.objects.get(id=order.id).rejection_reason == "the order was not approved in time"

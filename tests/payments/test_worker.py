"""The payments handlers run by a real Celery worker consuming the `payments` queue, from
events published as the customers, ordering and depot contexts publish them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers.contracts import CustomerRegistered
from apps.depot.contracts import ShoppingListCreated
from apps.ordering.contracts import OrderCreated, OrderItem, OrderReadied
from apps.payments import services
from apps.payments.models import CustomerCache, Invoice, Payment
from mallbots.kernel.ddd import context
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import wait_until
from tests.payments.factories import new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def relay_off(settings) -> None:
    """Overrides the package's fixture: here the committing process relays to the broker."""
    settings.MESSAGING_RELAY_ON_COMMIT = "inline"


def publish_as_producer(event: IntegrationEvent, *, correlation_id: str) -> None:
    with context.use(correlation_id=correlation_id), transaction.atomic():
        publish(event)


def test_the_worker_confirms_the_payment_of_an_order_and_raises_its_invoice(start_worker):
    # given a customer the worker caches, and a payment of theirs
    start_worker("payments,messaging")
    customer_id, order_id = new_id(), new_id()
    publish_as_producer(
        CustomerRegistered(id=customer_id, name="Ada", sms_number="555"), correlation_id=customer_id
    )
    wait_until(lambda: CustomerCache.objects.filter(pk=customer_id).exists())
    payment_id = services.payment_authorize(customer_id=customer_id, amount=Decimal("50.00"))
    item = OrderItem(
        product_id="p-1",
        store_id="s-1",
        product_name="Wand",
        store_name="Nic",
        price=Decimal("21.25"),
        quantity=2,
    )
    # when the order goes through the saga up to its readiness
    publish_as_producer(
        OrderCreated(
            id=order_id,
            customer_id=customer_id,
            payment_id=payment_id,
            shopping_id="",
            total=Decimal("42.50"),
            items=(item,),
        ),
        correlation_id=order_id,
    )
    publish_as_producer(ShoppingListCreated(id=new_id(), order_id=order_id), correlation_id=order_id)
    wait_until(lambda: Payment.objects.filter(pk=payment_id, order_id=order_id).exists())
    publish_as_producer(
        OrderReadied(id=order_id, customer_id=customer_id, payment_id=payment_id, total=Decimal("42.50")),
        correlation_id=order_id,
    )
    # then
    wait_until(lambda: Invoice.objects.filter(pk=order_id).exists())
    assert Invoice.objects.values_list("payment_id", "amount", "status").get(pk=order_id) == (
        payment_id,
        Decimal("42.50"),
        "pending",
    )
    confirmed = StreamMessage.objects.get(name="paymentsapi.PaymentConfirmed")
    assert (confirmed.partition_key, confirmed.correlation_id, confirmed.payload) == (
        order_id,
        order_id,
        {"id": payment_id, "order_id": order_id, "amount": "42.50"},
    )
    assert Delivery.objects.filter(status="handled", handler__startswith="payments.").count() == 4
    assert not FailedDelivery.objects.filter(status="dead").exists()

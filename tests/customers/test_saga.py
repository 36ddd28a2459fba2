"""Step 2 of the create-order saga: authorizing the order's customer (docs/saga.md)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers import services
from apps.ordering.contracts import OrderCreated, OrderItem
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import StreamMessage
from tests.kernel.messaging.helpers import deliveries_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HANDLER = "customers.on_ordering_order_created"


def order_created(customer_id: str) -> tuple[str, tuple]:
    """Publish an OrderCreated as ordering would; return the order id and its delivery to us."""
    order_id = str(uuid.uuid4())
    item = OrderItem(
        product_id="p-1",
        store_id="s-1",
        product_name="Wand",
        store_name="Nic & Naks",
        price=Decimal("9.99"),
        quantity=1,
    )
    with transaction.atomic():
        publish(
            OrderCreated(
                id=order_id,
                customer_id=customer_id,
                payment_id="pay-1",
                shopping_id="",
                total=Decimal("9.99"),
                items=(item,),
            )
        )
    row = StreamMessage.objects.get(name="ordersapi.OrderCreated", partition_key=order_id)
    (delivery,) = [d for d in deliveries_of(row) if d[0] == HANDLER]
    return order_id, delivery


def outcomes(order_id: str) -> list[tuple[str, dict]]:
    return [
        (m.name, m.payload)
        for m in StreamMessage.objects.filter(producer="customers", partition_key=order_id).order_by(
            "position"
        )
    ]


def test_an_enabled_customer_is_authorized_for_the_order():
    # given
    customer_id = services.customer_register(name="Ada", sms_number="555-555-1212")
    order_id, delivery = order_created(customer_id)
    # when
    assert consumer.process(*delivery) == Outcome.HANDLED
    # then
    assert outcomes(order_id) == [
        ("customersapi.CustomerAuthorized", {"id": customer_id, "order_id": order_id}),
    ]
    message = StreamMessage.objects.get(name="customersapi.CustomerAuthorized")
    assert message.correlation_id == StreamMessage.objects.get(name="ordersapi.OrderCreated").correlation_id


def test_a_disabled_customer_fails_the_step_with_the_reason():
    customer_id = services.customer_register(name="Ada", sms_number="555-555-1212")
    services.customer_disable(customer_id=customer_id)
    order_id, delivery = order_created(customer_id)
    assert consumer.process(*delivery) == Outcome.HANDLED
    assert outcomes(order_id) == [
        (
            "customersapi.CustomerAuthorizationFailed",
            {"id": customer_id, "order_id": order_id, "reason": "customer is not authorized"},
        ),
    ]


def test_an_unknown_customer_fails_the_step():
    customer_id = str(uuid.uuid4())
    order_id, delivery = order_created(customer_id)
    assert consumer.process(*delivery) == Outcome.HANDLED
    assert outcomes(order_id) == [
        (
            "customersapi.CustomerAuthorizationFailed",
            {"id": customer_id, "order_id": order_id, "reason": "the customer was not found"},
        ),
    ]


def test_a_duplicate_delivery_authorizes_once():
    customer_id = services.customer_register(name="Ada", sms_number="555-555-1212")
    order_id, delivery = order_created(customer_id)
    assert [consumer.process(*delivery), consumer.process(*delivery)] == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert len(outcomes(order_id)) == 1

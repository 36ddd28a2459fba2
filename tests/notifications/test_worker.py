"""A real Celery worker consuming the `notifications` queue: the customers context registers a
customer through its services, the order's events follow, the customer is texted once per
step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers import services as customers_services
from apps.notifications.models import CustomerCache, SentNotification
from apps.ordering import contracts as ordering
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import wait_until
from tests.notifications.factories import new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def publish_for_order(order_id: str, *events: IntegrationEvent) -> None:
    for event in events:
        with message_context.use(correlation_id=order_id), transaction.atomic():
            publish(event)


def sent_of(order_id: str) -> list[tuple[str, str]]:
    return list(
        SentNotification.objects.filter(order_id=order_id).order_by("id").values_list("kind", "sms_number")
    )


def test_the_worker_texts_the_customer_at_each_step_of_the_order(start_worker):
    # given
    start_worker("notifications,messaging")
    customer_id = customers_services.customer_register(name="Ada", sms_number="555-0100")
    wait_until(lambda: CustomerCache.objects.filter(id=customer_id).exists())
    customers_services.customer_change_sms_number(customer_id=customer_id, sms_number="555-0199")
    wait_until(lambda: CustomerCache.objects.filter(id=customer_id, sms_number="555-0199").exists())
    order_id = new_id()
    # when
    publish_for_order(
        order_id,
        ordering.OrderCreated(
            id=order_id,
            customer_id=customer_id,
            payment_id=new_id(),
            shopping_id="",
            total=Decimal("19.98"),
            items=(),
        ),
        ordering.OrderReadied(
            id=order_id, customer_id=customer_id, payment_id=new_id(), total=Decimal("19.98")
        ),
        ordering.OrderCompleted(id=order_id, customer_id=customer_id, invoice_id=order_id),
    )
    # then
    wait_until(lambda: len(sent_of(order_id)) == 3)
    assert sent_of(order_id) == [("created", "555-0199"), ("ready", "555-0199"), ("completed", "555-0199")]
    handled = Delivery.objects.filter(
        status="handled", handler__startswith="notifications.", name__startswith="ordersapi."
    )
    correlation = dict(StreamMessage.objects.values_list("message_id", "correlation_id"))
    assert {(d.handler, correlation[d.message_id]) for d in handled} == {
        ("notifications.on_ordering_order_created", order_id),
        ("notifications.on_ordering_order_readied", order_id),
        ("notifications.on_ordering_order_completed", order_id),
    }
    assert not FailedDelivery.objects.exists()

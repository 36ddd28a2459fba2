"""The handlers through the real consuming path (inbox, order groups), with the events the
customers and ordering contexts publish, delivered twice and shuffled: the customer gets each
SMS exactly once, an order's SMS in the order of its life."""

from __future__ import annotations

import logging
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from apps.customers import contracts as customers
from apps.customers import services as customers_services
from apps.notifications.models import CustomerCache, SentNotification
from apps.notifications.senders import Sms
from apps.ordering import contracts as ordering
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.customers.factories import CustomerFactory
from tests.kernel.messaging.helpers import deliveries_of, fanned_out
from tests.notifications.factories import CachedCustomerFactory, new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db, pytest.mark.usefixtures("relay_off")]

# event -> (handler, order group)
HANDLERS = {
    "customersapi.CustomerRegistered": (
        "notifications.on_customers_customer_registered",
        "notifications.customers",
    ),
    "customersapi.CustomerSmsChanged": (
        "notifications.on_customers_customer_sms_changed",
        "notifications.customers",
    ),
    "ordersapi.OrderCreated": ("notifications.on_ordering_order_created", "notifications.orders"),
    "ordersapi.OrderRejected": ("notifications.on_ordering_order_rejected", "notifications.orders"),
    "ordersapi.OrderCanceled": ("notifications.on_ordering_order_canceled", "notifications.orders"),
    "ordersapi.OrderReadied": ("notifications.on_ordering_order_readied", "notifications.orders"),
    "ordersapi.OrderCompleted": ("notifications.on_ordering_order_completed", "notifications.orders"),
}

DeliveryArgs = tuple[str, dict[str, Any], int | None]


def publish_each(*events: IntegrationEvent) -> None:
    """As the producers publish them: one transaction per event; an order's events under the
    order id as correlation id."""
    for event in events:
        order_id = event.id if event.event_name.startswith("ordersapi.") else None  # type: ignore[attr-defined]
        with message_context.use(correlation_id=order_id), transaction.atomic():
            publish(event)


def created(order_id: str, customer_id: str, total: str = "19.98") -> ordering.OrderCreated:
    return ordering.OrderCreated(
        id=order_id,
        customer_id=customer_id,
        payment_id=new_id(),
        shopping_id="",
        total=Decimal(total),
        items=(),
    )


def rejected(order_id: str, customer_id: str, reason: str) -> ordering.OrderRejected:
    return ordering.OrderRejected(id=order_id, customer_id=customer_id, payment_id=new_id(), reason=reason)


def canceled(order_id: str, customer_id: str) -> ordering.OrderCanceled:
    return ordering.OrderCanceled(
        id=order_id, customer_id=customer_id, payment_id=new_id(), shopping_id=new_id()
    )


def readied(order_id: str, customer_id: str, total: str = "19.98") -> ordering.OrderReadied:
    return ordering.OrderReadied(
        id=order_id, customer_id=customer_id, payment_id=new_id(), total=Decimal(total)
    )


def completed(order_id: str, customer_id: str) -> ordering.OrderCompleted:
    return ordering.OrderCompleted(id=order_id, customer_id=customer_id, invoice_id=order_id)


def notifications_deliveries() -> list[DeliveryArgs]:
    """(handler, envelope, seq) of every delivery to a notifications handler, in log order."""
    return [
        delivery
        for row in StreamMessage.objects.order_by("position")
        for delivery in deliveries_of(row)
        if delivery[0].startswith("notifications.")
    ]


def deliver(deliveries: list[DeliveryArgs]) -> list[Outcome]:
    return [consumer.process(handler, envelope, seq) for handler, envelope, seq in deliveries]


def drain_held() -> None:
    """What the wake-ups and the retry sweep do, without waiting for backoffs."""
    for _ in range(100):
        held = list(FailedDelivery.objects.filter(status__in=["held", "retrying"]))
        if not held:
            return
        for row in held:
            consumer.process(row.handler, row.envelope(), row.seq, row.attempts + 1)
    raise AssertionError("held deliveries never drained")


def kinds_of(order_id: str) -> list[str]:
    return list(
        SentNotification.objects.filter(order_id=order_id).order_by("id").values_list("kind", flat=True)
    )


def test_every_handler_is_subscribed_on_the_notifications_queue_in_its_order_group():
    # given
    customer_id, order_id = new_id(), new_id()
    # when
    publish_each(
        customers.CustomerRegistered(id=customer_id, name="Ada", sms_number="555-0100"),
        customers.CustomerSmsChanged(id=customer_id, sms_number="555-0199"),
        created(order_id, customer_id),
        rejected(order_id, customer_id, "customer is not authorized"),
        canceled(order_id, customer_id),
        readied(order_id, customer_id),
        completed(order_id, customer_id),
    )
    # then
    rows = list(StreamMessage.objects.order_by("position"))
    assert [[d for d in fanned_out(row) if d["handler"].startswith("notifications.")] for row in rows] == [
        [
            {
                "handler": HANDLERS[row.name][0],
                "queue": "notifications",
                "sequence": HANDLERS[row.name][1],
                "seq": seq,
            }
        ]
        for row, seq in zip(rows, [1, 2, 1, 2, 3, 4, 5], strict=True)
    ]
    assert [row.partition_key for row in rows] == [customer_id] * 2 + [order_id] * 5
    assert [row.correlation_id for row in rows[2:]] == [order_id] * 5


def test_the_life_of_an_order_texts_the_customer_at_each_step():
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = "c0ffee-" + new_id()
    publish_each(
        created(order_id, customer.id), readied(order_id, customer.id), completed(order_id, customer.id)
    )
    # when
    outcomes = deliver(notifications_deliveries())
    # then
    assert outcomes == [Outcome.HANDLED] * 3
    assert [(row.kind, row.text) for row in SentNotification.objects.order_by("id")] == [
        (
            "created",
            "MallBots: thanks for your order c0ffee. Total 19.98. We will text you when it is ready.",
        ),
        ("ready", "MallBots: your order c0ffee is ready for pickup. Total 19.98."),
        ("completed", "MallBots: your order c0ffee is complete. Thank you for shopping with us!"),
    ]


def test_a_redelivered_message_sends_its_sms_once(sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    publish_each(created(order_id, customer.id))
    [delivery] = notifications_deliveries()
    # when
    outcomes = deliver([delivery, delivery, delivery])
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len(sms.sent()) == 1
    assert kinds_of(order_id) == ["created"]
    assert (
        Delivery.objects.filter(status="handled", handler="notifications.on_ordering_order_created").count()
        == 1
    )


def test_two_messages_saying_the_same_thing_send_one_sms(sms):
    # given the ordering context published the rejection twice (two messages, two message ids)
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    publish_each(
        created(order_id, customer.id),
        rejected(order_id, customer.id, "the order was not approved in time"),
        rejected(order_id, customer.id, "the order was not approved in time"),
    )
    # when
    outcomes = deliver(notifications_deliveries())
    # then
    assert outcomes == [Outcome.HANDLED] * 3
    assert [m.text for m in sms.sent()] == [
        f"MallBots: thanks for your order {order_id[:6]}. Total 19.98. We will text you when it is ready.",
        f"MallBots: sorry, your order {order_id[:6]} was rejected: the order was not approved in time.",
    ]
    assert kinds_of(order_id) == ["created", "rejected"]


def test_a_rejection_delivered_before_the_creation_waits_for_it():
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    publish_each(
        created(order_id, customer.id), rejected(order_id, customer.id, "customer is not authorized")
    )
    first, second = notifications_deliveries()
    # when
    early = deliver([second])
    sent_while_held = kinds_of(order_id)
    then = deliver([first])
    drain_held()
    # then
    assert early == [Outcome.HELD]
    assert sent_while_held == []
    assert then == [Outcome.HANDLED]
    assert kinds_of(order_id) == ["created", "rejected"]
    assert not FailedDelivery.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_message_twice_and_shuffled_sends_each_sms_exactly_once_in_order(seed, sms):
    # given two customers (known to the customers context) and the lives of four orders
    ada = CustomerFactory(name="Ada", sms_number="555-0101")
    bob = CustomerFactory(name="Bob", sms_number="555-0102")
    ada_id, bob_id = str(ada.id), str(bob.id)
    happy, turned_down, called_off, unlucky = new_id(), new_id(), new_id(), new_id()
    publish_each(
        created(happy, ada_id, "10.00"),
        created(turned_down, bob_id, "5.00"),
        created(called_off, ada_id, "7.50"),
        rejected(turned_down, bob_id, "the payment is smaller than the order total"),
        readied(happy, ada_id, "10.00"),
        canceled(called_off, ada_id),
        created(unlucky, bob_id, "1.00"),
        completed(happy, ada_id),
        rejected(unlucky, bob_id, "customer is not authorized"),
    )
    deliveries = notifications_deliveries()
    assert len(deliveries) == 11  # with both CustomerRegistered
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when each delivery arrives twice, in random order
    outcomes = deliver(shuffled)
    drain_held()
    # then
    assert Outcome.DUPLICATE in outcomes
    assert kinds_of(happy) == ["created", "ready", "completed"]
    assert kinds_of(turned_down) == ["created", "rejected"]
    assert kinds_of(called_off) == ["created", "canceled"]
    assert kinds_of(unlucky) == ["created", "rejected"]
    sent = sms.sent()
    assert len(sent) == len(set(sent)) == 9
    assert [m.text for m in sent if m.number == "555-0101" and happy[:6] in m.text] == [
        f"MallBots: thanks for your order {happy[:6]}. Total 10.00. We will text you when it is ready.",
        f"MallBots: your order {happy[:6]} is ready for pickup. Total 10.00.",
        f"MallBots: your order {happy[:6]} is complete. Thank you for shopping with us!",
    ]
    assert [m.text for m in sent if m.number == "555-0102" and turned_down[:6] in m.text] == [
        f"MallBots: thanks for your order {turned_down[:6]}. Total 5.00. We will text you when it is ready.",
        f"MallBots: sorry, your order {turned_down[:6]} was rejected: the payment is smaller than the order total.",
    ]
    assert set(CustomerCache.objects.values_list("id", "name", "sms_number")) == {
        (ada_id, "Ada", "555-0101"),
        (bob_id, "Bob", "555-0102"),
    }
    assert Delivery.objects.filter(status="handled", handler__startswith="notifications.").count() == 11
    assert not FailedDelivery.objects.exists()


def test_an_sms_change_handled_before_the_next_step_is_used_for_it(sms):
    # given
    customer = CustomerFactory(sms_number="555-0101")
    customer_id, order_id = str(customer.id), new_id()
    publish_each(created(order_id, customer_id))
    customers_services.customer_change_sms_number(customer_id=customer_id, sms_number="555-0199")
    publish_each(readied(order_id, customer_id))
    # when, in publication order
    deliver(notifications_deliveries())
    # then
    assert [m.number for m in sms.sent()] == ["555-0101", "555-0199"]
    assert CustomerCache.objects.values_list("sms_number", flat=True).get(id=customer_id) == "555-0199"


def test_the_cache_follows_a_customers_registration_and_sms_changes_delivered_out_of_order():
    # given
    customer_id = new_id()
    publish_each(
        customers.CustomerRegistered(id=customer_id, name="Ada", sms_number="555-0100"),
        customers.CustomerSmsChanged(id=customer_id, sms_number="555-0150"),
        customers.CustomerSmsChanged(id=customer_id, sms_number="555-0199"),
    )
    registered, first_change, second_change = notifications_deliveries()
    # when both changes arrive before the registration, then the first change again
    outcomes = deliver([second_change, first_change, registered, first_change])
    drain_held()
    # then
    assert outcomes == [Outcome.HELD, Outcome.HELD, Outcome.HANDLED, Outcome.HANDLED]
    assert CustomerCache.objects.values_list("name", "sms_number").get(id=customer_id) == ("Ada", "555-0199")
    assert not FailedDelivery.objects.exists()


def test_an_order_of_an_unknown_customer_is_handled_without_sms_and_logged(sms, caplog):
    # given
    customer_id, order_id = new_id(), new_id()
    publish_each(created(order_id, customer_id), canceled(order_id, customer_id))
    caplog.set_level(logging.WARNING, logger="apps.notifications.services")
    # when
    outcomes = deliver(notifications_deliveries())
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert sms.sent() == []
    assert not SentNotification.objects.exists()
    assert not FailedDelivery.objects.exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"no created SMS for order {order_id}: the customer {customer_id} is unknown",
        f"no canceled SMS for order {order_id}: the customer {customer_id} is unknown",
    ]


def test_a_failing_sms_gateway_is_retried_and_the_sms_then_goes_out_once(sms, settings):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    publish_each(readied(order_id, customer.id, "4.20"))
    [delivery] = notifications_deliveries()
    settings.NOTIFICATIONS_SMS_SENDER = "tests.notifications.senders.FailingSender"
    # when
    failed = deliver([delivery])
    recorded_after_failure = (
        SentNotification.objects.exists(),
        Delivery.objects.filter(status="handled").exists(),
    )
    settings.NOTIFICATIONS_SMS_SENDER = "apps.notifications.senders.MemorySender"
    drain_held()
    # then
    assert failed == [Outcome.RETRYING]
    assert recorded_after_failure == (False, False)
    assert sms.sent() == [
        Sms("555-0100", f"MallBots: your order {order_id[:6]} is ready for pickup. Total 4.20.")
    ]
    assert kinds_of(order_id) == ["ready"]
    assert not FailedDelivery.objects.exists()


def test_the_handlers_run_under_the_orders_correlation_id():
    # given
    customer = CachedCustomerFactory()
    order_id = new_id()
    publish_each(created(order_id, customer.id))
    # when
    deliver(notifications_deliveries())
    # then
    [handled] = Delivery.objects.filter(status="handled")
    message = StreamMessage.objects.get(message_id=handled.message_id)
    assert (handled.handler, message.correlation_id) == ("notifications.on_ordering_order_created", order_id)

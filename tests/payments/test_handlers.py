"""The payments handlers through the real consuming path (inbox, order groups): the customer
cache, the copy of orders, step 4 of the create-order saga, invoices raised and canceled, with
duplicate and out-of-order deliveries. The other contexts' events are published here as their
producers would publish them (one transaction each, under the order id as correlation id)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers.contracts import CustomerRegistered
from apps.depot.contracts import ShoppingListCreated
from apps.ordering.contracts import OrderCanceled, OrderCreated, OrderItem, OrderReadied, OrderRejected
from apps.payments import services
from apps.payments.models import CustomerCache, Invoice, OrderCopy, Payment
from mallbots.kernel.ddd import context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of, fanned_out
from tests.payments.factories import CachedCustomerFactory, PaymentFactory, new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

DeliveryArgs = tuple[str, dict, int | None]

# event -> (handler, order group)
HANDLERS = {
    "customersapi.CustomerRegistered": ("payments.on_customers_customer_registered", "payments.customers"),
    "ordersapi.OrderCreated": ("payments.on_ordering_order_created", "payments.orders"),
    "depotapi.ShoppingListCreated": ("payments.on_depot_shopping_list_created", "payments.orders"),
    "ordersapi.OrderReadied": ("payments.on_ordering_order_readied", "payments.orders"),
    "ordersapi.OrderCanceled": ("payments.on_ordering_order_canceled", "payments.orders"),
    "ordersapi.OrderRejected": ("payments.on_ordering_order_rejected", "payments.orders"),
}


def publish_as_producer(event: IntegrationEvent, *, correlation_id: str) -> list[DeliveryArgs]:
    """Publish in its own transaction; answer its deliveries to payments handlers."""
    with context.use(correlation_id=correlation_id), transaction.atomic():
        message_id = publish(event)
    row = StreamMessage.objects.get(message_id=message_id)
    return [d for d in deliveries_of(row) if d[0].startswith("payments.")]


def order_created(
    order_id: str, customer_id: str, payment_id: str, total: str = "42.50"
) -> list[DeliveryArgs]:
    item = OrderItem(
        product_id="p-1",
        store_id="s-1",
        product_name="Wand",
        store_name="Nic & Naks",
        price=Decimal(total),
        quantity=1,
    )
    event = OrderCreated(
        id=order_id,
        customer_id=customer_id,
        payment_id=payment_id,
        shopping_id="",
        total=Decimal(total),
        items=(item,),
    )
    return publish_as_producer(event, correlation_id=order_id)


def shopping_list_created(order_id: str) -> list[DeliveryArgs]:
    return publish_as_producer(ShoppingListCreated(id=new_id(), order_id=order_id), correlation_id=order_id)


def order_readied(
    order_id: str, customer_id: str, payment_id: str, total: str = "42.50"
) -> list[DeliveryArgs]:
    event = OrderReadied(id=order_id, customer_id=customer_id, payment_id=payment_id, total=Decimal(total))
    return publish_as_producer(event, correlation_id=order_id)


def order_canceled(order_id: str, customer_id: str, payment_id: str) -> list[DeliveryArgs]:
    event = OrderCanceled(id=order_id, customer_id=customer_id, payment_id=payment_id, shopping_id="")
    return publish_as_producer(event, correlation_id=order_id)


def order_rejected(order_id: str, customer_id: str, payment_id: str) -> list[DeliveryArgs]:
    event = OrderRejected(
        id=order_id,
        customer_id=customer_id,
        payment_id=payment_id,
        reason="the order was not approved in time",
    )
    return publish_as_producer(event, correlation_id=order_id)


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


def published(order_id: str) -> list[tuple[str, dict]]:
    rows = StreamMessage.objects.filter(producer="payments", partition_key=order_id).order_by("position")
    return [(m.name, m.payload) for m in rows]


# --- subscriptions ------------------------------------------------------------------------------


def test_every_handler_is_subscribed_on_the_payments_queue_in_its_order_group():
    # given
    order_id, customer_id, payment_id = new_id(), new_id(), new_id()
    # when
    rows = [
        publish_as_producer(
            CustomerRegistered(id=customer_id, name="Ada", sms_number="555"), correlation_id="c"
        ),
        order_created(order_id, customer_id, payment_id),
        shopping_list_created(order_id),
        order_readied(order_id, customer_id, payment_id),
        order_canceled(order_id, customer_id, payment_id),
        order_rejected(order_id, customer_id, payment_id),
    ]
    # then
    names = list(HANDLERS)
    assert [[(h, env["name"], seq) for h, env, seq in row] for row in rows] == [
        [(HANDLERS[name][0], name, seq)] for name, seq in zip(names, [1, 1, 2, 3, 4, 5], strict=True)
    ]
    for row in StreamMessage.objects.exclude(producer="payments"):
        assert [d for d in fanned_out(row) if d["handler"].startswith("payments.")] == [
            {
                "handler": HANDLERS[row.name][0],
                "queue": "payments",
                "sequence": HANDLERS[row.name][1],
                "seq": d["seq"],
            }
            for d in fanned_out(row)
            if d["handler"].startswith("payments.")
        ]


# --- the customer cache -------------------------------------------------------------------------


def test_a_registered_customer_is_cached_once_and_may_then_authorize_payments():
    # given
    customer_id = new_id()
    deliveries = publish_as_producer(
        CustomerRegistered(id=customer_id, name="Ada Lovelace", sms_number="555-555-1212"),
        correlation_id="c-1",
    )
    # when
    outcomes = deliver(deliveries + deliveries)
    payment_id = services.payment_authorize(customer_id=customer_id, amount=Decimal("10.00"))
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert list(CustomerCache.objects.values_list("id", "name")) == [(customer_id, "Ada Lovelace")]
    assert Payment.objects.get(pk=payment_id).customer_id == customer_id


# --- step 4 of the saga ---------------------------------------------------------------------------


def test_the_payment_is_confirmed_once_the_shopping_list_exists():
    # given
    payment = PaymentFactory(amount=Decimal("50.00"))
    order_id = new_id()
    created = order_created(order_id, payment.customer_id, payment.id, total="42.50")
    listed = shopping_list_created(order_id)
    # when
    outcomes = deliver(created + listed)
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert Payment.objects.get(pk=payment.id).order_id == order_id
    assert published(order_id) == [
        ("paymentsapi.PaymentConfirmed", {"id": payment.id, "order_id": order_id, "amount": "42.50"})
    ]
    message = StreamMessage.objects.get(producer="payments", partition_key=order_id)
    assert (message.correlation_id, message.causation_id) == (order_id, listed[0][1]["id"])


def refusals() -> list[tuple[str, str, str, str, str]]:
    """(case, which payment the order names, whose order it is, its total, the reason)"""
    return [
        ("unknown payment", "unknown", "owner", "10.00", "the payment was not found"),
        ("another customer", "known", "someone else", "10.00", "the payment belongs to another customer"),
        ("too small", "known", "owner", "50.01", "the payment is smaller than the order total"),
        ("already used", "used", "owner", "10.00", "the payment was already used for another order"),
    ]


@pytest.mark.parametrize(
    ("case", "which", "whose", "total", "reason"), refusals(), ids=[r[0] for r in refusals()]
)
def test_a_refused_payment_fails_the_step_with_its_reason_and_no_dead_letter(
    case, which, whose, total, reason
):
    # given
    payment = PaymentFactory(amount=Decimal("50.00"))
    if which == "used":
        earlier = new_id()
        deliver(
            order_created(earlier, payment.customer_id, payment.id, "5.00") + shopping_list_created(earlier)
        )
    payment_id = "no-such-payment" if which == "unknown" else payment.id
    customer_id = payment.customer_id if whose == "owner" else new_id()
    order_id = new_id()
    # when
    outcomes = deliver(
        order_created(order_id, customer_id, payment_id, total) + shopping_list_created(order_id)
    )
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert published(order_id) == [
        ("paymentsapi.PaymentConfirmationFailed", {"id": payment_id, "order_id": order_id, "reason": reason})
    ]
    assert StreamMessage.objects.get(producer="payments", partition_key=order_id).correlation_id == order_id
    assert Payment.objects.get(pk=payment.id).order_id == ("" if which != "used" else earlier)
    assert not FailedDelivery.objects.exists()


def test_a_shopping_list_delivered_before_its_order_is_held_then_confirms():
    # given
    payment = PaymentFactory(amount=Decimal("50.00"))
    order_id = new_id()
    created = order_created(order_id, payment.customer_id, payment.id)
    listed = shopping_list_created(order_id)
    # when the list arrives first
    early = deliver(listed)
    copied_meanwhile = OrderCopy.objects.filter(pk=order_id).exists()
    later = deliver(created)
    drain_held()
    # then
    assert (early, copied_meanwhile, later) == ([Outcome.HELD], False, [Outcome.HANDLED])
    assert OrderCopy.objects.get(pk=order_id).confirmation == "confirmed"
    assert [name for name, _ in published(order_id)] == ["paymentsapi.PaymentConfirmed"]
    assert Delivery.objects.filter(status="handled", handler__startswith="payments.").count() == 2
    assert not FailedDelivery.objects.exists()


def test_every_delivery_twice_confirms_and_invoices_once():
    # given
    payment = PaymentFactory(amount=Decimal("50.00"))
    order_id = new_id()
    deliveries = (
        order_created(order_id, payment.customer_id, payment.id)
        + shopping_list_created(order_id)
        + order_readied(order_id, payment.customer_id, payment.id)
    )
    # when
    outcomes = deliver([d for d in deliveries for _ in range(2)])
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE] * 3
    assert [name for name, _ in published(order_id)] == ["paymentsapi.PaymentConfirmed"]
    assert list(Invoice.objects.values_list("id", "payment_id", "amount", "status")) == [
        (order_id, payment.id, Decimal("42.50"), "pending")
    ]


def test_an_order_canceled_before_its_list_is_handled_keeps_its_payment_unconfirmed():
    # given: the cancellation was published before the shopping list
    payment = PaymentFactory()
    order_id = new_id()
    deliveries = (
        order_created(order_id, payment.customer_id, payment.id)
        + order_canceled(order_id, payment.customer_id, payment.id)
        + shopping_list_created(order_id)
    )
    # when
    outcomes = deliver(deliveries)
    # then
    assert outcomes == [Outcome.HANDLED] * 3
    assert Payment.objects.get(pk=payment.id).order_id == ""
    assert published(order_id) == []
    assert OrderCopy.objects.get(pk=order_id).canceled is True


def test_a_shopping_list_that_comes_after_the_rejection_confirms_no_payment():
    # given: the order was rejected (say, not approved in time) before its list was published
    payment = PaymentFactory()
    order_id = new_id()
    deliveries = (
        order_created(order_id, payment.customer_id, payment.id)
        + order_rejected(order_id, payment.customer_id, payment.id)
        + shopping_list_created(order_id)
    )
    # when the late list is handled, twice
    outcomes = deliver(deliveries + deliveries[-1:])
    # then nothing was confirmed, nothing published
    assert outcomes == [Outcome.HANDLED] * 3 + [Outcome.DUPLICATE]
    assert Payment.objects.get(pk=payment.id).order_id == ""
    assert published(order_id) == []
    copy = OrderCopy.objects.get(pk=order_id)
    assert (copy.confirmation, copy.rejected, copy.canceled) == ("awaiting", True, False)


def test_a_payment_confirmed_before_the_rejection_is_released_once():
    # given: the payment was confirmed, then the order rejected
    payment = PaymentFactory()
    order_id = new_id()
    deliveries = (
        order_created(order_id, payment.customer_id, payment.id)
        + shopping_list_created(order_id)
        + order_rejected(order_id, payment.customer_id, payment.id)
    )
    # when, each delivered twice
    outcomes = deliver([d for d in deliveries for _ in range(2)])
    # then the payment is free again, and the release was published once
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE] * 3
    assert published(order_id) == [
        ("paymentsapi.PaymentConfirmed", {"id": payment.id, "order_id": order_id, "amount": "42.50"}),
        (
            "paymentsapi.PaymentReleased",
            {"id": payment.id, "order_id": order_id, "reason": "the order was rejected"},
        ),
    ]
    assert Payment.objects.get(pk=payment.id).order_id == ""
    copy = OrderCopy.objects.get(pk=order_id)
    assert (copy.confirmation, copy.rejected) == ("released", True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_several_orders_delivered_twice_and_shuffled_end_as_their_histories_say(seed):
    # given: a confirmed and invoiced order, a refused one, and one canceled after confirmation
    customer = CachedCustomerFactory()
    big = PaymentFactory(customer=customer, amount=Decimal("100.00"))
    small = PaymentFactory(customer=customer, amount=Decimal("5.00"))
    other = PaymentFactory(customer=customer, amount=Decimal("100.00"))
    invoiced, refused, canceled = new_id(), new_id(), new_id()
    deliveries = (
        order_created(invoiced, customer.id, big.id, "42.50")
        + order_created(refused, customer.id, small.id, "42.50")
        + order_created(canceled, customer.id, other.id, "42.50")
        + shopping_list_created(invoiced)
        + shopping_list_created(refused)
        + shopping_list_created(canceled)
        + order_canceled(canceled, customer.id, other.id)
        + order_readied(invoiced, customer.id, big.id, "42.50")
    )
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when
    deliver(shuffled)
    drain_held()
    # then
    assert published(invoiced) == [
        ("paymentsapi.PaymentConfirmed", {"id": big.id, "order_id": invoiced, "amount": "42.50"})
    ]
    assert published(refused) == [
        (
            "paymentsapi.PaymentConfirmationFailed",
            {"id": small.id, "order_id": refused, "reason": "the payment is smaller than the order total"},
        )
    ]
    assert published(canceled) == [
        ("paymentsapi.PaymentConfirmed", {"id": other.id, "order_id": canceled, "amount": "42.50"}),
        (
            "paymentsapi.PaymentReleased",
            {"id": other.id, "order_id": canceled, "reason": "the order was cancelled"},
        ),
    ]
    assert dict(Payment.objects.values_list("id", "order_id")) == {
        big.id: invoiced,
        small.id: "",
        other.id: "",
    }
    assert list(Invoice.objects.values_list("id", "payment_id", "status")) == [(invoiced, big.id, "pending")]
    assert dict(OrderCopy.objects.values_list("order_id", "canceled")) == {
        invoiced: False,
        refused: False,
        canceled: True,
    }
    assert Delivery.objects.filter(status="handled", handler__startswith="payments.").count() == len(
        deliveries
    )
    assert not FailedDelivery.objects.exists()


# --- invoices -----------------------------------------------------------------------------------


def test_a_ready_order_gets_a_pending_invoice_and_a_cancellation_cancels_it():
    # given
    payment = PaymentFactory(amount=Decimal("50.00"))
    order_id = new_id()
    deliver(order_created(order_id, payment.customer_id, payment.id) + shopping_list_created(order_id))
    # when
    readied = deliver(order_readied(order_id, payment.customer_id, payment.id, total="42.50"))
    invoice_after_ready = Invoice.objects.values_list(
        "id", "order_id", "payment_id", "amount", "status"
    ).get()
    canceled = deliver(order_canceled(order_id, payment.customer_id, payment.id))
    # then
    assert (readied, canceled) == ([Outcome.HANDLED], [Outcome.HANDLED])
    assert invoice_after_ready == (order_id, order_id, payment.id, Decimal("42.50"), "pending")
    assert Invoice.objects.get(pk=order_id).status == "canceled"
    assert published(order_id)[1:] == [
        (
            "paymentsapi.PaymentReleased",
            {"id": payment.id, "order_id": order_id, "reason": "the order was cancelled"},
        ),
        ("paymentsapi.InvoiceCanceled", {"id": order_id, "order_id": order_id}),
    ]
    assert StreamMessage.objects.get(name="paymentsapi.InvoiceCanceled").correlation_id == order_id


def test_canceling_an_order_whose_invoice_is_paid_changes_nothing():
    # given
    payment = PaymentFactory(amount=Decimal("50.00"))
    order_id = new_id()
    deliver(
        order_created(order_id, payment.customer_id, payment.id)
        + shopping_list_created(order_id)
        + order_readied(order_id, payment.customer_id, payment.id)
    )
    services.invoice_pay(invoice_id=order_id)
    before = published(order_id)
    # when
    outcomes = deliver(order_canceled(order_id, payment.customer_id, payment.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert Invoice.objects.get(pk=order_id).status == "paid"
    assert published(order_id) == before
    assert not FailedDelivery.objects.exists()

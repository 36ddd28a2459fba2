"""The saga's messages to the ordering context (docs/saga.md), through the real consuming path:
inbox, the `ordering.orders` order group across producers, duplicates and shuffles, and the
status checks that make late or repeated steps harmless."""

from __future__ import annotations

import logging
import random
from decimal import Decimal

import pytest
from django.db import transaction

from apps.baskets import contracts as baskets
from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.ordering.models import Order
from apps.payments import contracts as payments
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of, fanned_out
from tests.ordering.factories import OrderFactory, new_id
from tests.ordering.helpers import events_of, published, row

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HANDLERS = {
    "basketsapi.BasketCheckedOut": "ordering.on_baskets_basket_checked_out",
    "customersapi.CustomerAuthorizationFailed": "ordering.on_customers_customer_authorization_failed",
    "depotapi.ShoppingListCreationFailed": "ordering.on_depot_shopping_list_creation_failed",
    "paymentsapi.PaymentConfirmationFailed": "ordering.on_payments_payment_confirmation_failed",
    "depotapi.ShoppingListInitiated": "ordering.on_depot_shopping_list_initiated",
    "depotapi.ShoppingListAssigned": "ordering.on_depot_shopping_list_assigned",
    "depotapi.ShoppingListCompleted": "ordering.on_depot_shopping_list_completed",
    "paymentsapi.InvoicePaid": "ordering.on_payments_invoice_paid",
}


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def checked_out(
    basket_id: str, *, items: int = 2, customer_id: str = "customer-1"
) -> baskets.BasketCheckedOut:
    lines = (
        baskets.BasketItem(
            store_id="store-1",
            product_id="product-1",
            store_name="Threads",
            product_name="Shirt",
            price=Decimal("9.99"),
            quantity=2,
        ),
        baskets.BasketItem(
            store_id="store-2",
            product_id="product-2",
            store_name="Kitchen",
            product_name="Mug",
            price=Decimal("4.50"),
            quantity=1,
        ),
    )
    return baskets.BasketCheckedOut(
        id=basket_id, customer_id=customer_id, payment_id="payment-1", items=lines[:items]
    )


def publish_each(*events: IntegrationEvent) -> None:
    """As the producers publish them: one transaction per event, each under its own correlation
    id (a producer that did not run under the order id)."""
    for event in events:
        with message_context.use(correlation_id=new_id()), transaction.atomic():
            publish(event)


def ordering_deliveries(order_id: str) -> list[tuple[str, dict, int | None]]:
    """(handler, envelope, seq) of every delivery to an ordering handler of a message about the
    order, in publication order."""
    return [
        delivery
        for row in StreamMessage.objects.exclude(producer="ordering")
        .filter(partition_key=order_id)
        .order_by("position")
        for delivery in deliveries_of(row)
        if delivery[0].startswith("ordering.")
    ]


def deliver(deliveries) -> list[Outcome]:
    return [consumer.process(handler, envelope, seq) for handler, envelope, seq in deliveries]


def drain_held() -> None:
    """What the wake-up and the retry sweep do, without waiting for backoffs."""
    for _ in range(100):
        held = list(FailedDelivery.objects.filter(status__in=["held", "retrying"]))
        if not held:
            return
        for failed in held:
            consumer.process(failed.handler, failed.envelope(), failed.seq, failed.attempts + 1)
    raise AssertionError("held deliveries never drained")


def status(order_id: str) -> str:
    return Order.objects.values_list("status", flat=True).get(id=order_id)


# --- Subscriptions --------------------------------------------------------------------------


def test_every_saga_message_goes_to_its_handler_in_the_ordering_orders_group():
    # given
    order_id = new_id()
    # when messages from four producers about one order
    publish_each(
        checked_out(order_id),
        customers.CustomerAuthorizationFailed(id="customer-1", order_id=order_id, reason="r"),
        depot.ShoppingListCreationFailed(order_id=order_id, reason="r"),
        payments.PaymentConfirmationFailed(id="payment-1", order_id=order_id, reason="r"),
        depot.ShoppingListInitiated(id="shopping-1", order_id=order_id),
        depot.ShoppingListAssigned(id="shopping-1", order_id=order_id, bot_id="bot-1"),
        depot.ShoppingListCompleted(id="shopping-1", order_id=order_id),
        payments.InvoicePaid(id=order_id, order_id=order_id, amount=Decimal("24.48")),
    )
    # then one sequence numbers them all, in publication order
    rows = StreamMessage.objects.filter(partition_key=order_id).order_by("position")
    assert [[d for d in fanned_out(row) if d["handler"].startswith("ordering.")] for row in rows] == [
        [{"handler": HANDLERS[row.name], "queue": "ordering", "sequence": "ordering.orders", "seq": seq}]
        for seq, row in enumerate(rows, start=1)
    ]
    assert len(rows) == 8


# --- Step 1: the checkout becomes the order -------------------------------------------------


def test_a_checked_out_basket_becomes_the_pending_order_of_the_same_id():
    # given
    basket_id = new_id()
    publish_each(checked_out(basket_id))
    [delivery] = ordering_deliveries(basket_id)
    # when
    outcomes = deliver([delivery])
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(basket_id)["status"] == "pending"
    assert row(basket_id)["total"] == Decimal("24.48")
    assert [(i["product_name"], i["price"], i["quantity"]) for i in row(basket_id)["items"]] == [
        ("Shirt", "9.99", 2),
        ("Mug", "4.50", 1),
    ]
    [(name, payload)] = published(basket_id)
    assert (name, payload["id"], payload["total"], payload["shopping_id"]) == (
        "ordersapi.OrderCreated",
        basket_id,
        "24.48",
        "",
    )


def test_the_order_runs_under_its_id_as_correlation_id_and_the_message_as_causation():
    # given a checkout published under another correlation id
    basket_id = new_id()
    publish_each(checked_out(basket_id))
    [delivery] = ordering_deliveries(basket_id)
    # when
    deliver([delivery])
    # then
    metadata = Event.objects.get(stream_id=basket_id).metadata
    created = StreamMessage.objects.get(name="ordersapi.OrderCreated", partition_key=basket_id)
    assert (metadata["correlation_id"], metadata["causation_id"]) == (basket_id, delivery[1]["id"])
    assert (created.correlation_id, created.causation_id) == (basket_id, delivery[1]["id"])


def test_a_redelivered_checkout_is_handled_once():
    # given
    basket_id = new_id()
    publish_each(checked_out(basket_id))
    [delivery] = ordering_deliveries(basket_id)
    # when
    outcomes = deliver([delivery, delivery, delivery])
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert events_of(basket_id) == [(1, "ordering.OrderCreated")]
    assert len(published(basket_id)) == 1


def test_a_basket_already_turned_into_an_order_is_a_no_op(caplog):
    # given the same checkout published twice, as two messages
    basket_id = new_id()
    publish_each(checked_out(basket_id), checked_out(basket_id, items=1, customer_id="someone-else"))
    caplog.set_level(logging.INFO, logger="apps.ordering.handlers")
    # when
    outcomes = deliver(ordering_deliveries(basket_id))
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert events_of(basket_id) == [(1, "ordering.OrderCreated")]
    assert (row(basket_id)["customer_id"], len(row(basket_id)["items"])) == ("customer-1", 2)
    assert len(published(basket_id)) == 1
    assert not FailedDelivery.objects.exists()
    assert [r.getMessage() for r in caplog.records if r.name == "apps.ordering.handlers"] == [
        f"basketsapi.BasketCheckedOut for order {basket_id} changed nothing: "
        "create order command: the order cannot be recreated"
    ]


def test_a_checkout_with_no_items_is_a_dead_letter_and_creates_nothing():
    # given
    basket_id = new_id()
    publish_each(checked_out(basket_id, items=0))
    [delivery] = ordering_deliveries(basket_id)
    # when
    outcomes = deliver([delivery])
    # then
    assert outcomes == [Outcome.DEAD]
    failed = FailedDelivery.objects.get()
    assert (failed.handler, failed.status) == ("ordering.on_baskets_basket_checked_out", "dead")
    assert failed.last_error.strip().splitlines()[-1].endswith("create order command: the order has no items")
    assert events_of(basket_id) == []
    assert not Order.objects.exists()
    assert published(basket_id) == []


# --- Rejections -----------------------------------------------------------------------------

FAILURES = [
    lambda o: customers.CustomerAuthorizationFailed(
        id="customer-1", order_id=o, reason="customer is not authorized"
    ),
    lambda o: depot.ShoppingListCreationFailed(order_id=o, reason="the product is no longer sold: Shirt"),
    lambda o: payments.PaymentConfirmationFailed(
        id="payment-1", order_id=o, reason="the payment is smaller than the order total"
    ),
]
FAILURE_IDS = ["customer authorization", "shopping list creation", "payment confirmation"]


@pytest.mark.parametrize("failure", FAILURES, ids=FAILURE_IDS)
def test_a_failed_saga_step_rejects_the_pending_order_with_its_reason(failure):
    # given
    order_id = new_id()
    publish_each(checked_out(order_id), failure(order_id))
    # when
    outcomes = deliver(ordering_deliveries(order_id))
    # then
    reason = failure(order_id).reason
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert (row(order_id)["status"], row(order_id)["rejection_reason"]) == ("rejected", reason)
    assert published(order_id)[-1] == (
        "ordersapi.OrderRejected",
        {"id": order_id, "customer_id": "customer-1", "payment_id": "payment-1", "reason": reason},
    )
    assert StreamMessage.objects.get(name="ordersapi.OrderRejected").correlation_id == order_id


@pytest.mark.parametrize("failure", FAILURES, ids=FAILURE_IDS)
@pytest.mark.parametrize("status", ["approved", "rejected", "cancelled", "ready"])
def test_a_failure_for_an_order_no_longer_pending_changes_nothing(failure, status, caplog):
    # given
    order = OrderFactory(status=status)
    before, outbox_before = row(order.id), StreamMessage.objects.filter(producer="ordering").count()
    publish_each(failure(order.id))
    caplog.set_level(logging.INFO, logger="apps.ordering.handlers")
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(order.id) == before
    assert StreamMessage.objects.filter(producer="ordering").count() == outbox_before
    assert not FailedDelivery.objects.exists()
    assert [r.getMessage() for r in caplog.records if r.name == "apps.ordering.handlers"] == [
        f"{failure(order.id).event_name} for order {order.id} changed nothing: the order cannot be rejected"
    ]


# --- Approval and the life after it ---------------------------------------------------------


def test_an_initiated_shopping_list_approves_the_order_with_its_shopping_id():
    # given
    order_id = new_id()
    publish_each(checked_out(order_id), depot.ShoppingListInitiated(id="shopping-1", order_id=order_id))
    # when
    outcomes = deliver(ordering_deliveries(order_id))
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert (row(order_id)["status"], row(order_id)["shopping_id"]) == ("approved", "shopping-1")
    assert published(order_id)[-1][0] == "ordersapi.OrderApproved"


def test_an_approval_after_a_rejection_does_nothing(caplog):
    # given the customer failed, then the depot's (late) initiation arrives
    order_id = new_id()
    publish_each(
        checked_out(order_id),
        customers.CustomerAuthorizationFailed(
            id="customer-1", order_id=order_id, reason="customer is not authorized"
        ),
        depot.ShoppingListInitiated(id="shopping-1", order_id=order_id),
    )
    caplog.set_level(logging.INFO, logger="apps.ordering.handlers")
    # when
    outcomes = deliver(ordering_deliveries(order_id))
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED, Outcome.HANDLED]
    assert (row(order_id)["status"], row(order_id)["shopping_id"]) == ("rejected", "")
    assert [name for _, name in events_of(order_id)] == ["ordering.OrderCreated", "ordering.OrderRejected"]
    assert [name for name, _ in published(order_id)] == ["ordersapi.OrderCreated", "ordersapi.OrderRejected"]
    assert not FailedDelivery.objects.exists()
    assert [r.getMessage() for r in caplog.records if r.name == "apps.ordering.handlers"] == [
        f"depotapi.ShoppingListInitiated for order {order_id} changed nothing: the order cannot be approved"
    ]


@pytest.mark.parametrize("status", ["cancelled", "approved"])
def test_an_approval_of_an_order_cancelled_or_approved_already_does_nothing(status):
    # given
    order = OrderFactory(status=status, shopping_id="shopping-1")
    before = row(order.id)
    publish_each(depot.ShoppingListInitiated(id="shopping-2", order_id=order.id))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(order.id) == before


def test_an_assigned_list_puts_the_approved_order_in_progress():
    # given
    order = OrderFactory(status="approved")
    publish_each(depot.ShoppingListAssigned(id=order.shopping_id, order_id=order.id, bot_id="bot-7"))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert (row(order.id)["status"], row(order.id)["bot_id"]) == ("in-progress", "bot-7")
    assert published(order.id)[-1] == (
        "ordersapi.OrderInProgress",
        {
            "id": order.id,
            "customer_id": order.customer_id,
            "shopping_id": order.shopping_id,
            "bot_id": "bot-7",
        },
    )


@pytest.mark.parametrize("status", ["pending", "cancelled", "rejected", "in-progress"])
def test_an_assignment_for_an_order_not_approved_changes_nothing(status):
    # given
    order = OrderFactory(status=status)
    before = row(order.id)
    publish_each(depot.ShoppingListAssigned(id="shopping-1", order_id=order.id, bot_id="bot-7"))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(order.id) == before
    assert not FailedDelivery.objects.exists()


@pytest.mark.parametrize("status", ["in-progress", "approved"])
def test_a_completed_list_makes_the_order_ready(status):
    # given
    order = OrderFactory(status=status)
    publish_each(depot.ShoppingListCompleted(id="shopping-1", order_id=order.id))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(order.id)["status"] == "ready"
    assert published(order.id)[-1][0] == "ordersapi.OrderReadied"


@pytest.mark.parametrize("status", ["pending", "cancelled", "ready", "completed"])
def test_a_completed_list_for_an_order_not_approved_or_in_progress_changes_nothing(status):
    # given
    order = OrderFactory(status=status)
    before = row(order.id)
    publish_each(depot.ShoppingListCompleted(id="shopping-1", order_id=order.id))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(order.id) == before


def test_a_paid_invoice_completes_the_ready_order():
    # given
    order = OrderFactory(status="ready")
    publish_each(payments.InvoicePaid(id=order.id, order_id=order.id, amount=Decimal("24.48")))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert (row(order.id)["status"], row(order.id)["invoice_id"]) == ("completed", order.id)
    assert published(order.id)[-1] == (
        "ordersapi.OrderCompleted",
        {"id": order.id, "customer_id": order.customer_id, "invoice_id": order.id},
    )


@pytest.mark.parametrize("status", ["in-progress", "cancelled", "completed"])
def test_a_paid_invoice_for_an_order_not_ready_changes_nothing(status):
    # given
    order = OrderFactory(status=status)
    before = row(order.id)
    publish_each(payments.InvoicePaid(id=order.id, order_id=order.id, amount=Decimal("24.48")))
    # when
    outcomes = deliver(ordering_deliveries(order.id))
    # then
    assert outcomes == [Outcome.HANDLED]
    assert row(order.id) == before


def test_a_message_about_an_order_nobody_created_is_a_dead_letter():
    # given
    order_id = new_id()
    publish_each(depot.ShoppingListInitiated(id="shopping-1", order_id=order_id))
    # when
    outcomes = deliver(ordering_deliveries(order_id))
    # then
    assert outcomes == [Outcome.DEAD]
    assert (
        FailedDelivery.objects.get().last_error.strip().splitlines()[-1].endswith("the order was not found")
    )
    assert events_of(order_id) == []


# --- Order group: duplicates and shuffles ---------------------------------------------------


def happy_path(order_id: str) -> list[IntegrationEvent]:
    return [
        checked_out(order_id),
        depot.ShoppingListInitiated(id="shopping-1", order_id=order_id),
        depot.ShoppingListAssigned(id="shopping-1", order_id=order_id, bot_id="bot-1"),
        depot.ShoppingListCompleted(id="shopping-1", order_id=order_id),
        payments.InvoicePaid(id=order_id, order_id=order_id, amount=Decimal("24.48")),
    ]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_message_twice_and_shuffled_takes_the_order_through_its_life_in_order(seed):
    # given two orders' whole lives
    first, second = new_id(), new_id()
    publish_each(*happy_path(first), *happy_path(second))
    deliveries = ordering_deliveries(first) + ordering_deliveries(second)
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when
    outcomes = deliver(shuffled)
    drain_held()
    # then
    assert Outcome.DUPLICATE in outcomes
    for order_id in (first, second):
        assert [name for _, name in events_of(order_id)] == [
            "ordering.OrderCreated",
            "ordering.OrderApproved",
            "ordering.OrderInProgress",
            "ordering.OrderReadied",
            "ordering.OrderCompleted",
        ]
        assert (row(order_id)["status"], row(order_id)["shopping_id"], row(order_id)["bot_id"]) == (
            "completed",
            "shopping-1",
            "bot-1",
        )
    assert Delivery.objects.filter(status="handled", handler__startswith="ordering.").count() == 10
    assert not FailedDelivery.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_failure_published_before_the_approval_wins_however_they_arrive(seed):
    # given: the payment failed, then (out of step) the list was initiated anyway
    order_id = new_id()
    publish_each(
        checked_out(order_id),
        payments.PaymentConfirmationFailed(
            id="payment-1", order_id=order_id, reason="the payment was not found"
        ),
        depot.ShoppingListInitiated(id="shopping-1", order_id=order_id),
    )
    shuffled = ordering_deliveries(order_id) * 2
    random.Random(seed).shuffle(shuffled)
    # when
    deliver(shuffled)
    drain_held()
    # then
    assert (row(order_id)["status"], row(order_id)["rejection_reason"]) == (
        "rejected",
        "the payment was not found",
    )
    assert [name for name, _ in published(order_id)] == ["ordersapi.OrderCreated", "ordersapi.OrderRejected"]
    assert not FailedDelivery.objects.exists()


def test_an_approval_delivered_before_its_checkout_waits_for_the_order():
    # given
    order_id = new_id()
    publish_each(checked_out(order_id), depot.ShoppingListInitiated(id="shopping-1", order_id=order_id))
    created, initiated = ordering_deliveries(order_id)
    # when
    early = deliver([initiated])
    exists_while_held = Order.objects.filter(id=order_id).exists()
    then_created = deliver([created])
    drain_held()
    # then
    assert early == [Outcome.HELD]
    assert exists_while_held is False
    assert then_created == [Outcome.HANDLED]
    assert status(order_id) == "approved"
    assert not FailedDelivery.objects.exists()

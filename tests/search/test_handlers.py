"""The search handlers fed by the ordering and customers contexts' integration events
through the real consuming path (inbox, the order groups), with duplicates and reordering."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from apps.search.models import SearchOrder
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of, fanned_out
from tests.search.helpers import cached_names, row

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ORDERS = "search.orders"
HANDLERS = {
    "ordersapi.OrderCreated": "search.on_ordering_order_created",
    "ordersapi.OrderApproved": "search.on_ordering_order_approved",
    "ordersapi.OrderRejected": "search.on_ordering_order_rejected",
    "ordersapi.OrderInProgress": "search.on_ordering_order_in_progress",
    "ordersapi.OrderReadied": "search.on_ordering_order_readied",
    "ordersapi.OrderCanceled": "search.on_ordering_order_canceled",
    "ordersapi.OrderCompleted": "search.on_ordering_order_completed",
    "customersapi.CustomerRegistered": "search.on_customers_customer_registered",
}

SHIRT = ordering.OrderItem(
    product_id="c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
    store_id="5b0f3c7e-2a44-4d0e-9b1f-6f1f0c2b7a10",
    product_name="Blue shirt",
    store_name="Threads",
    price=Decimal("19.99"),
    quantity=2,
)
BEANS = ordering.OrderItem(
    product_id="1e2d3c4b-5a69-4788-b6a5-c4d3e2f1a0b9",
    store_id="8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
    product_name="Espresso beans 1 kg",
    store_name="Corner Coffee",
    price=Decimal("18.50"),
    quantity=1,
)


def new_id() -> str:
    return message_context.new_id()


def created(order_id: str, customer_id: str, *items: ordering.OrderItem) -> ordering.OrderCreated:
    items = items or (SHIRT, BEANS)
    return ordering.OrderCreated(
        id=order_id,
        customer_id=customer_id,
        payment_id=new_id(),
        shopping_id="",
        total=sum((item.price * item.quantity for item in items), Decimal("0")),
        items=items,
    )


def lifecycle(order_id: str, customer_id: str, *steps: str) -> list[IntegrationEvent]:
    """OrderCreated, then the events of the steps, as the ordering context publishes them."""
    events: dict[str, IntegrationEvent] = {
        "approved": ordering.OrderApproved(
            id=order_id, customer_id=customer_id, payment_id="p", shopping_id="s"
        ),
        "rejected": ordering.OrderRejected(
            id=order_id, customer_id=customer_id, payment_id="p", reason="customer is not authorized"
        ),
        "in-progress": ordering.OrderInProgress(
            id=order_id, customer_id=customer_id, shopping_id="s", bot_id="b"
        ),
        "ready": ordering.OrderReadied(
            id=order_id, customer_id=customer_id, payment_id="p", total=Decimal("1")
        ),
        "cancelled": ordering.OrderCanceled(
            id=order_id, customer_id=customer_id, payment_id="p", shopping_id="s"
        ),
        "completed": ordering.OrderCompleted(id=order_id, customer_id=customer_id, invoice_id=order_id),
    }
    return [created(order_id, customer_id), *(events[step] for step in steps)]


def publish_each(*events: IntegrationEvent) -> None:
    """As their producers publish them: one transaction per event, correlated by the order id
    (the customer id for a customer event)."""
    for event in events:
        with message_context.use(correlation_id=event.partition_key()), transaction.atomic():
            publish(event)


def search_deliveries() -> list[tuple[str, dict, int | None]]:
    """(handler, envelope, seq) of every delivery to a search handler, in publication order."""
    return [
        delivery
        for row_ in StreamMessage.objects.order_by("position")
        for delivery in deliveries_of(row_)
        if delivery[0].startswith("search.")
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


def status_of(order_id: str) -> str:
    return SearchOrder.objects.values_list("status", flat=True).get(order_id=order_id)


def test_every_handler_is_subscribed_on_the_search_queue_in_its_order_group():
    # given
    order_id, customer_id = new_id(), new_id()
    # when
    publish_each(
        customers.CustomerRegistered(id=customer_id, name="Ada Lovelace", sms_number="555-0100"),
        *lifecycle(
            order_id, customer_id, "approved", "rejected", "in-progress", "ready", "cancelled", "completed"
        ),
    )
    # then
    rows = StreamMessage.objects.order_by("position")
    assert [[d for d in fanned_out(r) if d["handler"].startswith("search.")] for r in rows] == [
        [{"handler": HANDLERS[r.name], "queue": "search", "sequence": sequence, "seq": seq}]
        for r, sequence, seq in zip(
            rows,
            ["search.customers", *[ORDERS] * 7],
            [1, 1, 2, 3, 4, 5, 6, 7],
            strict=True,
        )
    ]


def test_order_created_adds_the_order_as_of_the_messages_time_with_the_customers_name():
    # given
    order_id, customer_id = new_id(), new_id()
    publish_each(
        customers.CustomerRegistered(id=customer_id, name="Ada Lovelace", sms_number="555-0100"),
        created(order_id, customer_id, SHIRT, BEANS),
    )
    registered, order_created = search_deliveries()
    # when
    outcomes = deliver([registered, order_created])
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    occurred_at = datetime.fromisoformat(order_created[1]["occurred_at"])
    assert row(order_id) == {
        "order_id": order_id,
        "customer_id": customer_id,
        "customer_name": "Ada Lovelace",
        "items": [
            {
                "productId": SHIRT.product_id,
                "storeId": SHIRT.store_id,
                "productName": "Blue shirt",
                "storeName": "Threads",
                "price": "19.99",
                "quantity": 2,
            },
            {
                "productId": BEANS.product_id,
                "storeId": BEANS.store_id,
                "productName": "Espresso beans 1 kg",
                "storeName": "Corner Coffee",
                "price": "18.50",
                "quantity": 1,
            },
        ],
        "product_ids": sorted([SHIRT.product_id, BEANS.product_id]),
        "store_ids": sorted([SHIRT.store_id, BEANS.store_id]),
        "total": Decimal("58.48"),
        "status": "pending",
        "created_at": occurred_at,
    }
    assert not StreamMessage.objects.filter(producer="search").exists()


@pytest.mark.parametrize(
    ("steps", "statuses"),
    [
        (
            ["approved", "in-progress", "ready", "completed"],
            ["approved", "in-progress", "ready", "completed"],
        ),
        (["rejected"], ["rejected"]),
        (["approved", "cancelled"], ["approved", "cancelled"]),
    ],
)
def test_each_order_event_in_order_sets_its_status(steps, statuses):
    # given
    order_id = new_id()
    publish_each(*lifecycle(order_id, new_id(), *steps))
    first, *rest = search_deliveries()
    deliver([first])
    # when
    seen = []
    for delivery in rest:
        deliver([delivery])
        seen.append(status_of(order_id))
    # then
    assert seen == statuses


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_message_twice_and_shuffled_leaves_each_order_at_its_latest_status(seed):
    # given three orders of one customer, who registered after ordering
    customer_id = new_id()
    completed, rejected, cancelled = new_id(), new_id(), new_id()
    publish_each(
        *lifecycle(completed, customer_id, "approved", "in-progress", "ready", "completed"),
        *lifecycle(rejected, customer_id, "rejected"),
        *lifecycle(cancelled, customer_id, "approved", "cancelled"),
        customers.CustomerRegistered(id=customer_id, name="Grace Hopper", sms_number="555-0101"),
    )
    deliveries = search_deliveries()
    assert len(deliveries) == 11
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when each delivery arrives twice, in random order
    outcomes = deliver(shuffled)
    drain_held()
    # then
    assert Outcome.DUPLICATE in outcomes
    assert [status_of(o) for o in (completed, rejected, cancelled)] == ["completed", "rejected", "cancelled"]
    assert [row(o)["customer_name"] for o in (completed, rejected, cancelled)] == ["Grace Hopper"] * 3
    assert cached_names() == {customer_id: "Grace Hopper"}
    assert Delivery.objects.filter(status="handled", handler__startswith="search.").count() == 11
    assert not FailedDelivery.objects.exists()


def test_a_status_delivered_before_its_order_created_waits_for_it():
    # given
    order_id = new_id()
    publish_each(*lifecycle(order_id, new_id(), "approved"))
    order_created, approved = search_deliveries()
    # when
    early = deliver([approved])
    row_while_held = SearchOrder.objects.filter(order_id=order_id).exists()
    then = deliver([order_created])
    drain_held()
    # then
    assert early == [Outcome.HELD]
    assert row_while_held is False
    assert then == [Outcome.HANDLED]
    assert status_of(order_id) == "approved"
    assert not FailedDelivery.objects.exists()


def test_a_redelivered_order_created_is_handled_once():
    # given
    order_id = new_id()
    publish_each(created(order_id, new_id()))
    [order_created] = search_deliveries()
    # when
    outcomes = deliver([order_created, order_created, order_created])
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert SearchOrder.objects.count() == 1
    assert Delivery.objects.filter(status="handled", handler="search.on_ordering_order_created").count() == 1

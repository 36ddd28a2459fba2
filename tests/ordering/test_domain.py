"""The Order aggregate alone: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.ordering.domain import (
    BotIdCannotBeBlank,
    CustomerIdCannotBeBlank,
    InvoiceIdCannotBeBlank,
    Item,
    Order,
    OrderApproved,
    OrderCanceled,
    OrderCannotBeApproved,
    OrderCannotBeCancelled,
    OrderCannotBeCompleted,
    OrderCannotBeReadied,
    OrderCannotBeRecreated,
    OrderCannotBeRejected,
    OrderCannotBeStarted,
    OrderCompleted,
    OrderCreated,
    OrderHasNoItems,
    OrderInProgress,
    OrderReadied,
    OrderRejected,
    OrderStatus,
    OrderStatusRefused,
    PaymentIdCannotBeBlank,
    PriceCannotBeNegative,
    QuantityTooSmall,
    SagaMode,
    ShoppingIdCannotBeBlank,
    order_total,
)
from mallbots.kernel.ddd import FailedPrecondition, InvalidArgument
from mallbots.kernel.ddd.serde import from_data, to_data

pytestmark = pytest.mark.unit

SHIRT = Item(
    store_id="s-1",
    product_id="p-1",
    store_name="Threads",
    product_name="Shirt",
    price=Decimal("9.99"),
    quantity=2,
)
MUG = Item(
    store_id="s-2",
    product_id="p-2",
    store_name="Kitchen",
    product_name="Mug",
    price=Decimal("4.50"),
    quantity=1,
)

ALL_STATUSES = [s for s in OrderStatus if s is not OrderStatus.NEW]


def saved(order: Order) -> Order:
    """As if the repository had saved the pending events."""
    order.version = order.pending_version
    order.clear_events()
    return order


def order_in(status: OrderStatus) -> Order:
    """An order brought to `status` through its own methods, its events already saved."""
    order = Order("o-1")
    order.create(customer_id="c-1", payment_id="pay-1", items=[SHIRT, MUG])
    steps = {
        OrderStatus.PENDING: [],
        OrderStatus.APPROVED: [lambda: order.approve("sh-1")],
        OrderStatus.IN_PROGRESS: [lambda: order.approve("sh-1"), lambda: order.start("bot-1")],
        OrderStatus.READY: [lambda: order.approve("sh-1"), lambda: order.start("bot-1"), order.ready],
        OrderStatus.COMPLETED: [
            lambda: order.approve("sh-1"),
            lambda: order.start("bot-1"),
            order.ready,
            lambda: order.complete("inv-1"),
        ],
        OrderStatus.REJECTED: [lambda: order.reject("customer is not authorized")],
        OrderStatus.CANCELLED: [order.cancel],
    }
    for step in steps[status]:
        step()
    assert order.status == status
    return saved(order)


# --- Create -------------------------------------------------------------------------------


def test_create_makes_a_pending_order_with_its_items_and_total():
    # given
    order = Order("o-1")
    # when
    order.create(customer_id="c-1", payment_id="pay-1", items=[SHIRT, MUG])
    # then
    assert (order.status, order.customer_id, order.payment_id, order.items) == (
        "pending",
        "c-1",
        "pay-1",
        (SHIRT, MUG),
    )
    assert order.total == Decimal("24.48")
    assert order.pending_events == (
        OrderCreated(order_id="o-1", customer_id="c-1", payment_id="pay-1", items=(SHIRT, MUG)),
    )
    assert order.pending_events[0].total == Decimal("24.48")


def test_an_order_cannot_be_recreated():
    # given
    order = order_in(OrderStatus.PENDING)
    # when
    with pytest.raises(OrderCannotBeRecreated) as caught:
        order.create(customer_id="c-2", payment_id="pay-2", items=[MUG])
    # then
    assert caught.value.message == "create order command: the order cannot be recreated"
    assert isinstance(caught.value, FailedPrecondition)
    assert order.pending_events == ()
    assert (order.customer_id, order.items) == ("c-1", (SHIRT, MUG))


@pytest.mark.parametrize(
    ("customer_id", "payment_id", "items", "error", "message"),
    [
        ("c-1", "pay-1", [], OrderHasNoItems, "create order command: the order has no items"),
        # the original's order: no items is reported before a blank customer or payment
        ("", "", [], OrderHasNoItems, "create order command: the order has no items"),
        (
            " ",
            "pay-1",
            [SHIRT],
            CustomerIdCannotBeBlank,
            "create order command: the customer id cannot be blank",
        ),
        ("", "", [SHIRT], CustomerIdCannotBeBlank, "create order command: the customer id cannot be blank"),
        ("c-1", "", [SHIRT], PaymentIdCannotBeBlank, "create order command: the payment id cannot be blank"),
    ],
    ids=["no items", "no items first", "blank customer", "blank customer first", "blank payment"],
)
def test_create_refuses_what_the_original_refused(customer_id, payment_id, items, error, message):
    # given
    order = Order("o-1")
    # when
    with pytest.raises(error) as caught:
        order.create(customer_id=customer_id, payment_id=payment_id, items=items)
    # then
    assert caught.value.message == message
    assert isinstance(caught.value, InvalidArgument)
    assert (order.status, order.pending_events) == (OrderStatus.NEW, ())


@pytest.mark.parametrize(
    ("price", "quantity", "error", "message"),
    [
        ("9.99", 0, QuantityTooSmall, "create order command: the item quantity must be at least 1"),
        ("9.99", -1, QuantityTooSmall, "create order command: the item quantity must be at least 1"),
        ("-0.01", 1, PriceCannotBeNegative, "create order command: the item price cannot be negative"),
    ],
)
def test_create_refuses_an_item_with_no_quantity_or_a_negative_price(price, quantity, error, message):
    # given
    order = Order("o-1")
    bad = Item(
        store_id="s-1",
        product_id="p-3",
        store_name="S",
        product_name="P",
        price=Decimal(price),
        quantity=quantity,
    )
    # when
    with pytest.raises(error) as caught:
        order.create(customer_id="c-1", payment_id="pay-1", items=[SHIRT, bad])
    # then
    assert caught.value.message == message
    assert order.pending_events == ()


def test_a_free_item_is_accepted():
    # given
    order = Order("o-1")
    free = Item(
        store_id="s", product_id="p", store_name="S", product_name="Sticker", price=Decimal("0"), quantity=3
    )
    # when
    order.create(customer_id="c-1", payment_id="pay-1", items=[free])
    # then
    assert (order.status, order.total) == (OrderStatus.PENDING, Decimal("0.00"))


def test_total_is_the_sum_of_price_times_quantity_in_cents():
    # given
    items = [
        Item(
            store_id="s", product_id="a", store_name="S", product_name="A", price=Decimal("0.10"), quantity=3
        ),
        Item(
            store_id="s", product_id="b", store_name="S", product_name="B", price=Decimal("19.99"), quantity=7
        ),
    ]
    # when
    total = order_total(items)
    # then
    assert total == Decimal("140.23")
    assert str(total) == "140.23"
    assert str(order_total([])) == "0.00"


# --- Transitions: each from the statuses it allows, nothing else ----------------------------

TRANSITIONS = {
    "approve": (lambda o: o.approve("sh-1"), {OrderStatus.PENDING}, OrderCannotBeApproved),
    "reject": (lambda o: o.reject("the payment was not found"), {OrderStatus.PENDING}, OrderCannotBeRejected),
    "start": (lambda o: o.start("bot-1"), {OrderStatus.APPROVED}, OrderCannotBeStarted),
    "ready": (lambda o: o.ready(), {OrderStatus.APPROVED, OrderStatus.IN_PROGRESS}, OrderCannotBeReadied),
    "complete": (lambda o: o.complete("inv-1"), {OrderStatus.READY}, OrderCannotBeCompleted),
    "cancel": (lambda o: o.cancel(), {OrderStatus.PENDING, OrderStatus.APPROVED}, OrderCannotBeCancelled),
}
REFUSED = [
    (name, status)
    for name, (_, allowed, _) in TRANSITIONS.items()
    for status in ALL_STATUSES
    if status not in allowed
]
ALLOWED = [(name, status) for name, (_, allowed, _) in TRANSITIONS.items() for status in sorted(allowed)]


@pytest.mark.parametrize(("transition", "status"), REFUSED, ids=[f"{t} from {s}" for t, s in REFUSED])
def test_a_transition_from_a_status_it_does_not_allow_is_refused_and_records_nothing(transition, status):
    # given
    order = order_in(status)
    before = order.snapshot()
    run, _, error = TRANSITIONS[transition]
    # when
    with pytest.raises(error) as caught:
        run(order)
    # then
    assert isinstance(caught.value, OrderStatusRefused)
    assert caught.value.code == 9
    assert order.pending_events == ()
    assert order.snapshot() == before


@pytest.mark.parametrize(("transition", "status"), ALLOWED, ids=[f"{t} from {s}" for t, s in ALLOWED])
def test_a_transition_from_a_status_it_allows_records_one_event(transition, status):
    # given
    order = order_in(status)
    run, _, _ = TRANSITIONS[transition]
    # when
    run(order)
    # then
    assert len(order.pending_events) == 1


def test_a_transition_on_an_order_that_does_not_exist_yet_is_refused():
    # given
    order = Order("o-1")
    # when
    with pytest.raises(OrderCannotBeApproved):
        order.approve("sh-1")
    with pytest.raises(OrderCannotBeCancelled):
        order.cancel()
    # then
    assert order.pending_events == ()


def test_approve_keeps_the_shopping_id():
    # given
    order = order_in(OrderStatus.PENDING)
    # when
    order.approve("sh-1")
    # then
    assert (order.status, order.shopping_id) == ("approved", "sh-1")
    assert order.pending_events == (
        OrderApproved(order_id="o-1", customer_id="c-1", payment_id="pay-1", shopping_id="sh-1"),
    )


def test_reject_records_the_reason():
    # given
    order = order_in(OrderStatus.PENDING)
    # when
    order.reject("the payment is smaller than the order total")
    # then
    assert order.status == "rejected"
    assert order.pending_events == (
        OrderRejected(
            order_id="o-1",
            customer_id="c-1",
            payment_id="pay-1",
            reason="the payment is smaller than the order total",
        ),
    )


def test_start_puts_the_order_in_progress_with_its_bot():
    # given
    order = order_in(OrderStatus.APPROVED)
    # when
    order.start("bot-1")
    # then
    assert (order.status, order.bot_id) == ("in-progress", "bot-1")
    assert order.pending_events == (
        OrderInProgress(order_id="o-1", customer_id="c-1", shopping_id="sh-1", bot_id="bot-1"),
    )


@pytest.mark.parametrize("status", [OrderStatus.IN_PROGRESS, OrderStatus.APPROVED])
def test_ready_carries_the_total_for_the_invoice(status):
    # given
    order = order_in(status)
    # when
    order.ready()
    # then
    assert order.status == "ready"
    assert order.pending_events == (
        OrderReadied(order_id="o-1", customer_id="c-1", payment_id="pay-1", total=Decimal("24.48")),
    )


def test_complete_keeps_the_invoice_id():
    # given
    order = order_in(OrderStatus.READY)
    # when
    order.complete("inv-1")
    # then
    assert (order.status, order.invoice_id) == ("completed", "inv-1")
    assert order.pending_events == (OrderCompleted(order_id="o-1", customer_id="c-1", invoice_id="inv-1"),)


@pytest.mark.parametrize(
    ("status", "shopping_id"), [(OrderStatus.PENDING, ""), (OrderStatus.APPROVED, "sh-1")]
)
def test_cancel_carries_the_shopping_id_when_there_is_one(status, shopping_id):
    # given
    order = order_in(status)
    # when
    order.cancel()
    # then
    assert order.status == "cancelled"
    assert order.pending_events == (
        OrderCanceled(order_id="o-1", customer_id="c-1", payment_id="pay-1", shopping_id=shopping_id),
    )


def test_cancel_refuses_with_the_original_message():
    # given
    order = order_in(OrderStatus.READY)
    # when
    with pytest.raises(OrderCannotBeCancelled) as caught:
        order.cancel()
    # then
    assert caught.value.message == "the order cannot be cancelled"


@pytest.mark.parametrize(
    ("status", "run", "error", "message"),
    [
        (
            OrderStatus.PENDING,
            lambda o: o.approve(" "),
            ShoppingIdCannotBeBlank,
            "the shopping id cannot be blank",
        ),
        (OrderStatus.APPROVED, lambda o: o.start(""), BotIdCannotBeBlank, "the bot id cannot be blank"),
        (
            OrderStatus.READY,
            lambda o: o.complete(""),
            InvoiceIdCannotBeBlank,
            "the invoice id cannot be blank",
        ),
    ],
    ids=["approve", "start", "complete"],
)
def test_blank_ids_are_refused(status, run, error, message):
    # given
    order = order_in(status)
    # when
    with pytest.raises(error) as caught:
        run(order)
    # then
    assert caught.value.message == message
    assert order.pending_events == ()
    assert order.status == status


# --- Snapshots and event data -------------------------------------------------------------


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_restoring_a_snapshot_gives_the_same_state(status):
    # given
    order = order_in(status)
    # when
    restored = Order.restore("o-1", order.snapshot())
    # then
    assert restored.snapshot() == order.snapshot()
    assert (restored.status, restored.items, restored.total) == (order.status, order.items, order.total)


def test_the_snapshot_holds_the_whole_state():
    # given
    order = order_in(OrderStatus.COMPLETED)
    # when
    state = order.snapshot()
    # then
    assert state == {
        "customer_id": "c-1",
        "payment_id": "pay-1",
        "shopping_id": "sh-1",
        "invoice_id": "inv-1",
        "bot_id": "bot-1",
        "status": "completed",
        "saga": "choreography",
        "items": [
            {
                "store_id": "s-1",
                "product_id": "p-1",
                "store_name": "Threads",
                "product_name": "Shirt",
                "price": "9.99",
                "quantity": 2,
            },
            {
                "store_id": "s-2",
                "product_id": "p-2",
                "store_name": "Kitchen",
                "product_name": "Mug",
                "price": "4.50",
                "quantity": 1,
            },
        ],
    }


def test_replaying_the_events_gives_the_same_state():
    # given
    order = Order("o-1")
    order.create(customer_id="c-1", payment_id="pay-1", items=[SHIRT])
    order.approve("sh-1")
    order.start("bot-1")
    events = order.pending_events
    # when
    replayed = Order("o-1")
    for event in events:
        replayed.apply(event)
    # then
    assert replayed.snapshot() == order.snapshot()


def test_events_survive_their_stored_form():
    # given
    created = OrderCreated(order_id="o-1", customer_id="c-1", payment_id="pay-1", items=(SHIRT, MUG))
    readied = OrderReadied(order_id="o-1", customer_id="c-1", payment_id="pay-1", total=Decimal("24.48"))
    # when
    data = to_data(created)
    # then
    assert from_data(OrderCreated, data) == created
    assert data["items"][0]["price"] == "9.99"
    assert from_data(OrderReadied, to_data(readied)) == readied
    assert to_data(readied)["total"] == "24.48"


def test_an_order_keeps_the_saga_mode_it_was_created_in():
    # given
    order = Order("o-1")
    # when
    order.create(
        customer_id="c-1",
        payment_id="pay-1",
        items=[Item("s-1", "p-1", "S", "P", Decimal("1.00"), 1)],
        saga="orchestration",
    )
    # then the event and every later state say so, and an old event without the field reads as choreography
    assert order.pending_events[0].saga == SagaMode.ORCHESTRATION
    assert Order.restore("o-1", order.snapshot()).saga == SagaMode.ORCHESTRATION
    old = {"order_id": "o-2", "customer_id": "c", "payment_id": "p", "items": []}
    assert from_data(OrderCreated, old).saga == SagaMode.CHOREOGRAPHY

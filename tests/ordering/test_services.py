"""The order's commands on real PostgreSQL: events, read model, outbox, refusals, snapshots,
projection rebuilds, concurrency and the open-host queries."""

from __future__ import annotations

import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections

from apps.ordering import contracts, services
from apps.ordering.domain import (
    CustomerIdCannotBeBlank,
    OrderCannotBeApproved,
    OrderCannotBeCancelled,
    OrderCannotBeCompleted,
    OrderCannotBeReadied,
    OrderCannotBeRecreated,
    OrderCannotBeRejected,
    OrderCannotBeStarted,
    OrderHasNoItems,
    OrderNotFound,
    PaymentIdCannotBeBlank,
    PriceCannotBeNegative,
    QuantityTooSmall,
)
from apps.ordering.models import Order
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.eventstore import projections
from mallbots.kernel.eventstore.models import Event, Snapshot
from mallbots.kernel.messaging.models import StreamMessage
from tests.ordering.factories import PATHS, OrderFactory, item, new_id
from tests.ordering.helpers import events_of, line, published, row

pytestmark = pytest.mark.integration

STATUSES = ["pending", "approved", "in-progress", "ready", "completed", "rejected", "cancelled"]


# --- Create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_the_event_projects_the_order_and_publishes_order_created():
    # given
    order_id = new_id()
    shirt, mug = item(price="9.99", quantity=2), item(price="4.50", quantity=1, product_name="Mug")
    # when
    with message_context.use(correlation_id=order_id):
        returned = services.order_create(
            order_id=order_id, customer_id="customer-1", payment_id="payment-1", items=[shirt, mug]
        )
    # then
    assert returned == order_id
    assert events_of(order_id) == [(1, "ordering.OrderCreated")]
    assert row(order_id) == {
        "customer_id": "customer-1",
        "payment_id": "payment-1",
        "shopping_id": "",
        "invoice_id": "",
        "bot_id": "",
        "status": "pending",
        "rejection_reason": "",
        "total": Decimal("24.48"),
        "items": [line(shirt), line(mug)],
        "version": 1,
    }
    assert published(order_id) == [
        (
            "ordersapi.OrderCreated",
            {
                "id": order_id,
                "customer_id": "customer-1",
                "payment_id": "payment-1",
                "shopping_id": "",
                "total": "24.48",
                "items": [
                    {
                        "product_id": shirt.product_id,
                        "store_id": shirt.store_id,
                        "product_name": "Shirt",
                        "store_name": "Threads",
                        "price": "9.99",
                        "quantity": 2,
                    },
                    {
                        "product_id": mug.product_id,
                        "store_id": mug.store_id,
                        "product_name": "Mug",
                        "store_name": "Threads",
                        "price": "4.50",
                        "quantity": 1,
                    },
                ],
                "saga": "choreography",
            },
        )
    ]


@pytest.mark.django_db
def test_everything_about_the_order_carries_its_id_as_correlation_id():
    # given
    order = OrderFactory(status="ready")
    # when
    event_correlations = set(
        Event.objects.filter(stream_id=order.id).values_list("metadata__correlation_id", flat=True)
    )
    message_correlations = set(
        StreamMessage.objects.filter(partition_key=order.id).values_list("correlation_id", flat=True)
    )
    # then
    assert event_correlations == message_correlations == {order.id}
    assert [name for name, _ in published(order.id)] == [
        "ordersapi.OrderCreated",
        "ordersapi.OrderApproved",
        "ordersapi.OrderInProgress",
        "ordersapi.OrderReadied",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"items": []}, OrderHasNoItems, "create order command: the order has no items"),
        (
            {"customer_id": " "},
            CustomerIdCannotBeBlank,
            "create order command: the customer id cannot be blank",
        ),
        ({"payment_id": ""}, PaymentIdCannotBeBlank, "create order command: the payment id cannot be blank"),
        (
            {"items": [item(quantity=0)]},
            QuantityTooSmall,
            "create order command: the item quantity must be at least 1",
        ),
        (
            {"items": [item(), item(price="-1.00")]},
            PriceCannotBeNegative,
            "create order command: the item price cannot be negative",
        ),
    ],
    ids=["no items", "blank customer", "blank payment", "quantity 0", "negative price"],
)
def test_a_refused_create_stores_projects_and_publishes_nothing(fields, error, message):
    # given
    order_id = new_id()
    arguments = {"customer_id": "customer-1", "payment_id": "payment-1", "items": [item()], **fields}
    # when
    with pytest.raises(error) as caught:
        services.order_create(order_id=order_id, **arguments)
    # then
    assert caught.value.message == message
    assert events_of(order_id) == []
    assert not Order.objects.exists()
    assert not StreamMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", STATUSES)
def test_an_order_is_never_recreated(status):
    # given
    order = OrderFactory(status=status)
    before, outbox_before = row(order.id), StreamMessage.objects.count()
    # when
    with pytest.raises(OrderCannotBeRecreated) as caught:
        services.order_create(order_id=order.id, customer_id="someone", payment_id="else", items=[item()])
    # then
    assert caught.value.message == "create order command: the order cannot be recreated"
    assert row(order.id) == before
    assert len(events_of(order.id)) == before["version"]
    assert StreamMessage.objects.count() == outbox_before


# --- Transitions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_keeps_the_shopping_id_and_publishes_order_approved():
    # given
    order = OrderFactory(customer_id="customer-1", payment_id="payment-1")
    # when
    services.order_approve(order_id=order.id, shopping_id="shopping-1")
    # then
    assert events_of(order.id)[-1] == (2, "ordering.OrderApproved")
    assert (row(order.id)["status"], row(order.id)["shopping_id"], row(order.id)["version"]) == (
        "approved",
        "shopping-1",
        2,
    )
    assert published(order.id)[-1] == (
        "ordersapi.OrderApproved",
        {"id": order.id, "customer_id": "customer-1", "payment_id": "payment-1", "shopping_id": "shopping-1"},
    )


@pytest.mark.django_db
def test_reject_keeps_the_reason_and_publishes_order_rejected():
    # given
    order = OrderFactory(customer_id="customer-1", payment_id="payment-1")
    # when
    services.order_reject(order_id=order.id, reason="customer is not authorized")
    # then
    assert (row(order.id)["status"], row(order.id)["rejection_reason"]) == (
        "rejected",
        "customer is not authorized",
    )
    assert published(order.id)[-1] == (
        "ordersapi.OrderRejected",
        {
            "id": order.id,
            "customer_id": "customer-1",
            "payment_id": "payment-1",
            "reason": "customer is not authorized",
        },
    )


@pytest.mark.django_db
def test_start_puts_the_order_in_progress_and_publishes_order_in_progress():
    # given
    order = OrderFactory(status="approved", customer_id="customer-1", shopping_id="shopping-1")
    # when
    services.order_start(order_id=order.id, bot_id="bot-1")
    # then
    assert (row(order.id)["status"], row(order.id)["bot_id"]) == ("in-progress", "bot-1")
    assert published(order.id)[-1] == (
        "ordersapi.OrderInProgress",
        {"id": order.id, "customer_id": "customer-1", "shopping_id": "shopping-1", "bot_id": "bot-1"},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["in-progress", "approved"])
def test_ready_publishes_order_readied_with_the_total(status):
    # given
    order = OrderFactory(
        status=status,
        customer_id="customer-1",
        payment_id="payment-1",
        items=[item(price="10.00", quantity=3), item(price="0.99", quantity=1)],
    )
    # when
    services.order_ready(order_id=order.id)
    # then
    assert row(order.id)["status"] == "ready"
    assert published(order.id)[-1] == (
        "ordersapi.OrderReadied",
        {"id": order.id, "customer_id": "customer-1", "payment_id": "payment-1", "total": "30.99"},
    )


@pytest.mark.django_db
def test_complete_keeps_the_invoice_and_publishes_order_completed():
    # given
    order = OrderFactory(status="ready", customer_id="customer-1")
    # when
    services.order_complete(order_id=order.id, invoice_id="invoice-1")
    # then
    assert (row(order.id)["status"], row(order.id)["invoice_id"]) == ("completed", "invoice-1")
    assert published(order.id)[-1] == (
        "ordersapi.OrderCompleted",
        {"id": order.id, "customer_id": "customer-1", "invoice_id": "invoice-1"},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "shopping_id"), [("pending", ""), ("approved", "shopping-1")])
def test_cancel_publishes_order_canceled_with_the_shopping_list(status, shopping_id):
    # given
    order = OrderFactory(
        status=status, customer_id="customer-1", payment_id="payment-1", shopping_id="shopping-1"
    )
    # when
    services.order_cancel(order_id=order.id)
    # then
    assert row(order.id)["status"] == "cancelled"
    assert published(order.id)[-1] == (
        "ordersapi.OrderCanceled",
        {"id": order.id, "customer_id": "customer-1", "payment_id": "payment-1", "shopping_id": shopping_id},
    )


COMMANDS = {
    "approve": (
        lambda o: services.order_approve(order_id=o, shopping_id="shopping-2"),
        OrderCannotBeApproved,
    ),
    "reject": (lambda o: services.order_reject(order_id=o, reason="late"), OrderCannotBeRejected),
    "start": (lambda o: services.order_start(order_id=o, bot_id="bot-2"), OrderCannotBeStarted),
    "ready": (lambda o: services.order_ready(order_id=o), OrderCannotBeReadied),
    "complete": (
        lambda o: services.order_complete(order_id=o, invoice_id="invoice-2"),
        OrderCannotBeCompleted,
    ),
    "cancel": (lambda o: services.order_cancel(order_id=o), OrderCannotBeCancelled),
}
ALLOWED = {
    "approve": {"pending"},
    "reject": {"pending"},
    "start": {"approved"},
    "ready": {"approved", "in-progress"},
    "complete": {"ready"},
    "cancel": {"pending", "approved"},
}
REFUSED = [(command, status) for command in COMMANDS for status in STATUSES if status not in ALLOWED[command]]


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "status"), REFUSED, ids=[f"{c} from {s}" for c, s in REFUSED])
def test_a_command_the_status_does_not_allow_changes_nothing(command, status):
    # given
    order = OrderFactory(status=status)
    before, outbox_before = row(order.id), StreamMessage.objects.count()
    run, error = COMMANDS[command]
    # when
    with pytest.raises(error):
        run(order.id)
    # then
    assert len(events_of(order.id)) == before["version"] == 1 + len(PATHS[status])
    assert row(order.id) == before
    assert StreamMessage.objects.count() == outbox_before


@pytest.mark.django_db
@pytest.mark.parametrize("command", list(COMMANDS))
def test_commands_on_an_unknown_order_answer_not_found_and_create_nothing(command):
    # given
    order_id = new_id()
    run, _ = COMMANDS[command]
    # when
    with pytest.raises(OrderNotFound) as caught:
        run(order_id)
    # then
    assert (caught.value.code, caught.value.message) == (5, "the order was not found")
    assert events_of(order_id) == []
    assert not Order.objects.exists()
    assert not StreamMessage.objects.exists()


@pytest.mark.django_db
def test_the_whole_life_of_an_order():
    # given
    order = OrderFactory(items=[item(price="5.00", quantity=2)])
    # when
    services.order_approve(order_id=order.id, shopping_id="shopping-1")
    services.order_start(order_id=order.id, bot_id="bot-1")
    services.order_ready(order_id=order.id)
    services.order_complete(order_id=order.id, invoice_id=order.id)
    # then
    assert events_of(order.id) == [
        (1, "ordering.OrderCreated"),
        (2, "ordering.OrderApproved"),
        (3, "ordering.OrderInProgress"),
        (4, "ordering.OrderReadied"),
        (5, "ordering.OrderCompleted"),
    ]
    assert {k: v for k, v in row(order.id).items() if k != "items"} == {
        "customer_id": order.customer_id,
        "payment_id": order.payment_id,
        "shopping_id": "shopping-1",
        "invoice_id": order.id,
        "bot_id": "bot-1",
        "status": "completed",
        "rejection_reason": "",
        "total": Decimal("10.00"),
        "version": 5,
    }


# --- Snapshots, projection rebuild ----------------------------------------------------------


@pytest.mark.django_db
def test_snapshots_are_taken_and_loading_from_one_gives_the_replayed_state(settings):
    # given snapshots every 2 events
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"default": 0, "ordering.Order": 2}
    order = OrderFactory(status="ready")  # versions 1-4
    # when
    snapshot = Snapshot.objects.get(stream_type="ordering.Order", stream_id=order.id)
    from_snapshot = services.orders.get(order.id)
    Snapshot.objects.filter(stream_id=order.id).delete()
    replayed = services.orders.get(order.id)
    # then
    assert (snapshot.version, snapshot.schema_version) == (4, 2)
    assert snapshot.state["status"] == "ready"
    assert from_snapshot.version == replayed.version == 4
    assert from_snapshot.snapshot() == replayed.snapshot()


@pytest.mark.django_db
def test_an_order_loaded_from_a_snapshot_takes_the_next_step(settings):
    # given
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"default": 0, "ordering.Order": 2}
    order = OrderFactory(status="approved")  # snapshot at version 2
    assert Snapshot.objects.get(stream_id=order.id).version == 2
    # when
    services.order_start(order_id=order.id, bot_id="bot-9")
    services.order_ready(order_id=order.id)
    # then
    assert row(order.id)["status"] == "ready"
    assert Snapshot.objects.get(stream_id=order.id).version == 4
    assert published(order.id)[-1][1]["total"] == "24.48"


@pytest.mark.django_db
def test_rebuilding_the_projection_gives_the_same_rows():
    # given an order in every status
    for status in [*STATUSES, "cancelled-after-approval"]:
        OrderFactory(status=status)
    before = list(Order.objects.order_by("id").values())
    # when
    projections.rebuild(projections.get("ordering.orders"))
    projections.rebuild(projections.get("ordering.orders"))
    # then
    assert list(Order.objects.order_by("id").values()) == before
    assert len(before) == 8


@pytest.mark.django_db
def test_the_rebuild_command_restores_lost_rows_from_the_event_store():
    # given
    for status in ["pending", "in-progress", "completed", "rejected"]:
        OrderFactory(status=status)
    before = list(Order.objects.order_by("id").values())
    Order.objects.all().delete()
    # when
    call_command("rebuild_projections", "ordering.orders", stdout=io.StringIO(), stderr=io.StringIO())
    # then
    assert list(Order.objects.order_by("id").values()) == before


# --- Open-host queries (contracts.get_order, list_orders) -----------------------------------


@pytest.mark.django_db
def test_get_order_answers_the_order_as_a_frozen_dataclass():
    # given
    shirt = item(price="9.99", quantity=2)
    order = OrderFactory(status="approved", items=[shirt], shopping_id="shopping-1")
    # when
    info = contracts.get_order(order.id)
    # then
    assert info == contracts.OrderInfo(
        id=order.id,
        customer_id=order.customer_id,
        payment_id=order.payment_id,
        shopping_id="shopping-1",
        invoice_id="",
        status="approved",
        total=Decimal("19.98"),
        items=(
            contracts.OrderItem(
                product_id=shirt.product_id,
                store_id=shirt.store_id,
                product_name="Shirt",
                store_name="Threads",
                price=Decimal("9.99"),
                quantity=2,
            ),
        ),
        created_at=order.created_at,
        updated_at=Order.objects.get(id=order.id).updated_at,
    )
    assert contracts.get_order(new_id()) is None


@pytest.mark.django_db
def test_list_orders_pages_through_every_order_by_id():
    # given
    ids = sorted(OrderFactory().id for _ in range(5))
    # when
    first = contracts.list_orders(limit=2)
    second = contracts.list_orders(after_id=first[-1].id, limit=2)
    third = contracts.list_orders(after_id=second[-1].id, limit=2)
    rest = contracts.list_orders(after_id=third[-1].id, limit=2)
    # then
    assert [o.id for o in first + second + third] == ids
    assert rest == []
    assert all(isinstance(o, contracts.OrderInfo) for o in first)


@pytest.mark.django_db
def test_list_orders_takes_one_query_however_many_orders(django_assert_num_queries):
    # given
    for _ in range(6):
        OrderFactory()
    # when
    with django_assert_num_queries(1):
        orders = contracts.list_orders(limit=500)
    # then
    assert len(orders) == 6


# --- Concurrency ----------------------------------------------------------------------------


def _race(order_id: str, commands: list) -> list[BaseException | None]:
    """Run the commands in threads on the same order, all loading it before any saves."""
    barrier = threading.Barrier(len(commands))
    results: list[BaseException | None] = [None] * len(commands)
    original_get = services.orders.get
    first_load = threading.local()

    def get_then_wait(id: str):
        order = original_get(id)
        if not getattr(first_load, "done", False):
            first_load.done = True
            barrier.wait(5)
        return order

    def run(index: int) -> None:
        try:
            with message_context.use(correlation_id=order_id):
                commands[index]()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    services.orders.get = get_then_wait  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(commands))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        services.orders.get = original_get  # type: ignore[method-assign]
    return results


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_cancel_is_retried_on_fresh_state(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 3
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    order = OrderFactory()
    # when
    results = _race(
        order.id,
        [
            lambda: services.order_cancel(order_id=order.id),
            lambda: services.order_approve(order_id=order.id, shopping_id="shopping-1"),
        ],
    )
    # then one committed first; the other ran again on the new state
    outcome = [type(r).__name__ for r in results]
    assert outcome in (["NoneType", "OrderCannotBeApproved"], ["NoneType", "NoneType"])
    assert row(order.id)["status"] == "cancelled"
    expected = ["ordering.OrderCreated", "ordering.OrderCanceled"]
    if outcome == ["NoneType", "NoneType"]:  # the approval won, the cancel followed it
        expected = ["ordering.OrderCreated", "ordering.OrderApproved", "ordering.OrderCanceled"]
    assert [name for _, name in events_of(order.id)] == expected


@pytest.mark.django_db
def test_an_order_created_in_orchestration_mode_starts_its_saga_in_the_same_transaction(settings):
    # given
    settings.MALLBOTS_SAGA = "orchestration"
    order_id = new_id()
    # when
    with message_context.use(correlation_id=order_id):
        services.order_create(
            order_id=order_id, customer_id="customer-1", payment_id="payment-1", items=[item()]
        )
    # then the order, its published event and its saga say so, and the first command is written
    from mallbots.kernel.sagas.models import SagaInstance

    assert Order.objects.get(id=order_id).saga == "orchestration"
    assert published(order_id)[0][1]["saga"] == "orchestration"
    saga = SagaInstance.objects.get(saga_id=order_id)
    assert (saga.name, saga.status, saga.step, saga.correlation_id) == (
        "ordering.CreateOrder",
        "running",
        1,
        order_id,
    )
    command = StreamMessage.objects.get(partition_key=order_id, name="customersapi.AuthorizeCustomer")
    assert command.payload == {"customer_id": "customer-1", "order_id": order_id}
    assert command.metadata["reply_channel"] == "ordering.create_order.replies"


@pytest.mark.django_db
def test_the_stale_order_sweep_leaves_orchestrated_orders_to_their_saga(settings):
    # given two orders pending for long, one of each mode
    from datetime import timedelta

    settings.MALLBOTS_SAGA = "orchestration"
    orchestrated = services.order_create(order_id=new_id(), customer_id="c", payment_id="p", items=[item()])
    settings.MALLBOTS_SAGA = "choreography"
    choreographed = services.order_create(order_id=new_id(), customer_id="c", payment_id="p", items=[item()])
    # when the sweep runs as if both were old
    rejected = services.order_reject_stale(older_than=timedelta(seconds=-60))
    # then only the choreographed one is rejected
    assert rejected == [choreographed]
    assert Order.objects.get(id=orchestrated).status == "pending"


@pytest.mark.django_db
def test_an_unknown_saga_mode_is_refused(settings):
    from apps.ordering.domain import UnknownSagaMode

    settings.MALLBOTS_SAGA = "improvisation"
    with pytest.raises(UnknownSagaMode, match="choreography or orchestration"):
        services.order_create(order_id=new_id(), customer_id="c", payment_id="p", items=[item()])

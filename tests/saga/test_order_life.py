"""The whole life of orders across every context, with a real Redis broker and real Celery
workers: the create-order saga (docs/saga.md), its failures and compensations, cancelling,
the step timeout, and redelivery of every message. Every test runs in both ways of running
the saga, choreography and orchestration (the `saga_mode` fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.baskets import services as baskets
from apps.baskets.models import Basket
from apps.customers import services as customers
from apps.depot import selectors as depot_selectors
from apps.depot import services as depot
from apps.depot.models import Bot, ShoppingList
from apps.notifications.models import SentNotification
from apps.ordering import selectors as ordering_selectors
from apps.ordering import services as ordering
from apps.payments import selectors as payments_selectors
from apps.payments import services as payments
from apps.payments.models import Invoice
from apps.search.models import SearchOrder
from apps.stores import services as stores
from mallbots.celery import app
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import wait_until
from tests.kernel.messaging.helpers import deliveries_of, fanned_out, send_again
from tests.saga.helpers import SAGA_COMMANDS, saga_ran

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("saga_mode")]

ALL_QUEUES = "stores,customers,baskets,ordering,payments,depot,notifications,search,messaging"


def mall_data() -> dict[str, str]:
    """A store with two products, and a bot."""
    store_id = stores.store_create(name="Nic & Naks", location="Level 1, west")
    wand = stores.product_add(store_id=store_id, name="Wand", description="", sku="W1", price=Decimal("9.99"))
    robe = stores.product_add(
        store_id=store_id, name="Robe", description="", sku="R1", price=Decimal("20.00")
    )
    return {"store": store_id, "wand": wand, "robe": robe, "bot": depot.bot_create(name="Robo-1")}


@pytest.fixture
def mall(start_worker) -> dict[str, str]:
    """The mall, and a worker on every queue (with beat)."""
    start_worker(queues=ALL_QUEUES, concurrency=2, beat=True)
    return mall_data()


@pytest.fixture
def mall_without_customers_worker(start_worker) -> dict[str, str]:
    """The mall, and a worker on every queue but the customers one: sagas stop at step 2.
    Pending orders (choreography) and saga steps (orchestration) time out after 2 s here."""
    queues = ",".join(q for q in ALL_QUEUES.split(",") if q != "customers")
    timeouts = {"ORDERING_PENDING_TIMEOUT_SECONDS": "2", "SAGA_STEP_TIMEOUT_SECONDS": "2"}
    start_worker(queues=queues, concurrency=2, beat=True, extra_env=timeouts)
    return mall_data()


def customer(name: str = "Ada", amount: str = "100.00") -> tuple[str, str]:
    customer_id = customers.customer_register(name=name, sms_number="555-010-0001")
    return customer_id, payments.payment_authorize(customer_id=customer_id, amount=Decimal(amount))


def checkout(customer_id: str, payment_id: str, *lines: tuple[str, int]) -> str:
    basket_id = baskets.basket_start(customer_id=customer_id)
    for product_id, quantity in lines:
        baskets.basket_add_item(basket_id=basket_id, product_id=product_id, quantity=quantity)
    baskets.basket_checkout(basket_id=basket_id, payment_id=payment_id)
    return basket_id


def status(order_id: str) -> str | None:
    order = ordering_selectors.order_find(order_id=order_id)
    return None if order is None else order.status


def wait_for_status(order_id: str, expected: str, timeout: float = 30) -> None:
    wait_until(lambda: status(order_id) == expected, timeout=timeout)


def sms_kinds(order_id: str) -> list[str]:
    return sorted(SentNotification.objects.filter(order_id=order_id).values_list("kind", flat=True))


def settled() -> bool:
    """Nothing left to send, to retry or hold, or waiting in a queue."""
    with app.connection_for_read() as connection:
        broker = connection.default_channel.client
        queued = sum(broker.llen(queue) for queue in ALL_QUEUES.split(","))
    return (
        queued == 0
        and not StreamMessage.objects.filter(stream_position__isnull=True).exists()
        and not Delivery.objects.filter(status__in=Delivery.OPEN).exists()
    )


def test_an_order_goes_from_checkout_to_completed(mall, saga_mode):
    # given
    customer_id, payment_id = customer()
    # when the basket is checked out
    order_id = checkout(customer_id, payment_id, (mall["wand"], 2), (mall["robe"], 1), (mall["wand"], 1))
    # then the saga approves it and its list is available to bots
    wait_for_status(order_id, "approved")
    saga_ran(saga_mode, order_id, "completed")
    if saga_mode == "orchestration":
        commands = StreamMessage.objects.filter(partition_key=order_id, producer__endswith=".commands")
        assert list(commands.order_by("position").values_list("name", flat=True)) == SAGA_COMMANDS
    order = ordering_selectors.order_get(order_id=order_id)
    assert order.total == Decimal("49.97")
    shopping = depot_selectors.shopping_list_find_by_order(order_id=order_id)
    assert (shopping.status, order.shopping_id) == ("available", shopping.id)
    # when a bot is assigned and completes the list
    depot.shopping_list_assign(shopping_list_id=shopping.id, bot_id=mall["bot"])
    wait_for_status(order_id, "in-progress")
    assert Bot.objects.get(id=mall["bot"]).status == "active"
    depot.shopping_list_complete(shopping_list_id=shopping.id)
    # then the order is ready and invoiced for its total
    wait_for_status(order_id, "ready")
    wait_until(lambda: Invoice.objects.filter(id=order_id).exists())
    invoice = payments_selectors.invoice_get(invoice_id=order_id)
    assert (invoice.status, invoice.amount, invoice.order_id) == ("pending", Decimal("49.97"), order_id)
    assert Bot.objects.get(id=mall["bot"]).status == "idle"
    # when the customer pays
    payments.invoice_pay(invoice_id=order_id)
    # then the order is completed, the customer was told at each step, search knows it all
    wait_for_status(order_id, "completed")
    wait_until(lambda: sms_kinds(order_id) == ["completed", "created", "ready"])
    wait_until(lambda: SearchOrder.objects.filter(order_id=order_id, status="completed").exists())
    row = SearchOrder.objects.get(order_id=order_id)
    assert (row.customer_name, row.total) == ("Ada", Decimal("49.97"))
    assert sorted(item["productName"] for item in row.items) == ["Robe", "Wand"]
    # and every message from the checkout on carried the order id as correlation id
    wait_until(settled)
    stray = list(
        StreamMessage.objects.filter(partition_key=order_id)
        .exclude(correlation_id=order_id)
        .values_list("name", flat=True)
    )
    assert stray == ["basketsapi.BasketStarted"]  # the basket's life before it became the order
    assert not FailedDelivery.objects.exists()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("disabled customer", "customer is not authorized"),
        ("unknown customer", "the customer was not found"),
        ("unknown payment", "the payment was not found"),
        ("foreign payment", "the payment belongs to another customer"),
        ("small payment", "the payment is smaller than the order total"),
        ("product no longer sold", "the product is no longer sold: Robe"),
    ],
)
def test_a_failing_saga_step_rejects_the_order_and_compensates(mall, saga_mode, case, reason):
    # given
    customer_id, payment_id = customer()
    if case == "disabled customer":
        customers.customer_disable(customer_id=customer_id)
    elif case == "unknown customer":
        customer_id = "00000000-0000-4000-8000-0000000000aa"
    elif case == "unknown payment":
        payment_id = "00000000-0000-4000-8000-0000000000bb"
    elif case == "foreign payment":
        _, payment_id = customer(name="Bob")
    elif case == "small payment":
        payment_id = payments.payment_authorize(customer_id=customer_id, amount=Decimal("5.00"))
    basket_id = baskets.basket_start(customer_id=customer_id)
    baskets.basket_add_item(basket_id=basket_id, product_id=mall["robe"], quantity=1)
    if case == "product no longer sold":
        stores.product_remove(product_id=mall["robe"])
        wait_until(lambda: not depot_selectors.product_cache_find(product_id=mall["robe"]))
    # when
    baskets.basket_checkout(basket_id=basket_id, payment_id=payment_id)
    # then
    wait_for_status(basket_id, "rejected")
    assert ordering_selectors.order_get(order_id=basket_id).rejection_reason == reason
    saga_ran(saga_mode, basket_id, "compensated")
    wait_until(lambda: Basket.objects.get(id=basket_id).checkout_rejection == reason)

    def no_open_list() -> bool:
        shopping = depot_selectors.shopping_list_find_by_order(order_id=basket_id)
        return shopping is None or shopping.status == "canceled"

    wait_until(no_open_list)
    wait_until(settled)
    assert not Invoice.objects.filter(id=basket_id).exists()
    if case != "unknown customer":
        wait_until(lambda: sms_kinds(basket_id) == ["created", "rejected"])
    assert not FailedDelivery.objects.exists()


def test_cancelling_an_approved_order_cancels_its_list_and_frees_the_bot(mall):
    # given an approved order, its list available to bots
    customer_id, payment_id = customer()
    order_id = checkout(customer_id, payment_id, (mall["wand"], 1))
    wait_for_status(order_id, "approved")
    shopping = depot_selectors.shopping_list_find_by_order(order_id=order_id)
    # when
    ordering.order_cancel(order_id=order_id)
    # then
    wait_for_status(order_id, "cancelled")
    wait_until(lambda: ShoppingList.objects.get(id=shopping.id).status == "canceled")
    wait_until(lambda: sms_kinds(order_id) == ["canceled", "created"])
    assert Bot.objects.get(id=mall["bot"]).status == "idle"
    wait_until(settled)
    assert not FailedDelivery.objects.exists()


def test_an_order_in_progress_cannot_be_cancelled(mall):
    customer_id, payment_id = customer()
    order_id = checkout(customer_id, payment_id, (mall["wand"], 1))
    wait_for_status(order_id, "approved")
    shopping = depot_selectors.shopping_list_find_by_order(order_id=order_id)
    depot.shopping_list_assign(shopping_list_id=shopping.id, bot_id=mall["bot"])
    wait_for_status(order_id, "in-progress")
    from apps.ordering.domain import OrderCannotBeCancelled

    with pytest.raises(OrderCannotBeCancelled, match="the order cannot be cancelled"):
        ordering.order_cancel(order_id=order_id)
    assert status(order_id) == "in-progress"


def test_cancelling_a_pending_order(mall_without_customers_worker, saga_mode):
    # given an order whose saga waits at step 2
    customer_id, payment_id = customer()
    order_id = checkout(customer_id, payment_id, (mall_without_customers_worker["wand"], 1))
    wait_for_status(order_id, "pending")
    # when
    ordering.order_cancel(order_id=order_id)
    # then
    wait_for_status(order_id, "cancelled")
    wait_until(lambda: sms_kinds(order_id) == ["canceled", "created"])
    assert not ShoppingList.objects.filter(order_id=order_id).exists()
    # and an orchestrated saga, its step timed out, compensates what it can: the order stays cancelled
    saga_ran(saga_mode, order_id, "compensated")
    assert status(order_id) == "cancelled"


def test_an_order_stuck_pending_is_rejected_after_the_timeout(mall_without_customers_worker, saga_mode):
    # given an order whose saga cannot progress
    customer_id, payment_id = customer()
    order_id = checkout(customer_id, payment_id, (mall_without_customers_worker["wand"], 1))
    wait_for_status(order_id, "pending")
    # when its timeout (2 s here) passes, then beat's stale-order check rejects it
    wait_for_status(order_id, "rejected", timeout=20)
    assert (
        ordering_selectors.order_get(order_id=order_id).rejection_reason
        == "the order was not approved in time"
    )
    saga_ran(saga_mode, order_id, "compensated")
    wait_until(lambda: sms_kinds(order_id) == ["created", "rejected"])


def test_every_message_delivered_again_changes_nothing(mall, broker):
    # given a completed order
    customer_id, payment_id = customer()
    order_id = checkout(customer_id, payment_id, (mall["wand"], 1))
    wait_for_status(order_id, "approved")
    shopping = depot_selectors.shopping_list_find_by_order(order_id=order_id)
    depot.shopping_list_assign(shopping_list_id=shopping.id, bot_id=mall["bot"])
    depot.shopping_list_complete(shopping_list_id=shopping.id)
    wait_for_status(order_id, "ready")
    wait_until(lambda: Invoice.objects.filter(id=order_id).exists())
    payments.invoice_pay(invoice_id=order_id)
    wait_for_status(order_id, "completed")
    wait_until(settled)
    wait_until(lambda: sms_kinds(order_id) == ["completed", "created", "ready"])
    handled = Delivery.objects.filter(status="handled").count()
    # when every message of the order is delivered to every subscriber once more
    rows = list(StreamMessage.objects.filter(correlation_id=order_id).order_by("position"))
    for row in rows:
        send_again(deliveries_of(row), {d["handler"]: d["queue"] for d in fanned_out(row)})
    wait_until(
        lambda: broker.llen("ordering") == 0 and broker.llen("depot") == 0 and broker.llen("payments") == 0
    )
    wait_until(settled)
    # then nothing happened twice
    assert Delivery.objects.filter(status="handled").count() == handled
    assert ShoppingList.objects.filter(order_id=order_id).count() == 1
    assert Invoice.objects.filter(order_id=order_id).count() == 1
    assert sms_kinds(order_id) == ["completed", "created", "ready"]
    assert status(order_id) == "completed"
    assert not FailedDelivery.objects.exists()

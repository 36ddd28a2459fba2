"""Orders in flight while the infrastructure fails: the broker loses its data (a flush, a
restart without persistence) or a whole worker is killed. Every order must end as it would
have without the fault (approved, or rejected for its business reason, never by a timeout),
with exactly one shopping list, one invoice and one SMS of each kind, search right, and
nothing left held or unhandled, within a bounded time after the fault.

Each test runs its own Redis (tests/conftest.py `own_redis`), so flushing or stopping it harms
nothing else, and real workers on every queue."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import redis

from apps.customers import services as customers
from apps.depot import services as depot
from apps.depot.models import ShoppingList
from apps.notifications.models import SentNotification
from apps.ordering import selectors as ordering_selectors
from apps.payments import services as payments
from apps.payments.models import Invoice
from apps.search.models import SearchOrder
from mallbots.kernel.messaging.models import Delivery, StreamMessage
from tests.conftest import in_flight, wait_until
from tests.saga.test_order_life import ALL_QUEUES, checkout, customer, mall_data, status

pytestmark = [pytest.mark.fault, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Recovery after the fault: the redelivery deadline (2 s in the test settings) plus sweeps,
# once per saga step at worst, on a loaded 2-core machine.
RECOVERY_BOUND_SECONDS = 60


class Mall:
    """Orders with known outcomes: most valid, some rejected for a business reason."""

    def __init__(self, data: dict[str, str]) -> None:
        self.data = data
        self.expected: dict[str, tuple[str, str]] = {}  # order id -> (status, rejection reason)

    def place(self, count: int) -> list[str]:
        placed = []
        for i in range(count):
            customer_id, payment_id = customer(name=f"Shopper {i}")
            reason = ""
            if i % 5 == 3:
                customers.customer_disable(customer_id=customer_id)
                reason = "customer is not authorized"
            elif i % 5 == 4:
                payment_id = payments.payment_authorize(customer_id=customer_id, amount=Decimal("1.00"))
                reason = "the payment is smaller than the order total"
            order_id = checkout(customer_id, payment_id, (self.data["wand"], 1 + i % 3))
            self.expected[order_id] = ("rejected" if reason else "approved", reason)
            placed.append(order_id)
        return placed

    def approved(self) -> list[str]:
        return [order for order, (outcome, _) in self.expected.items() if outcome == "approved"]

    def outcomes_reached(self) -> bool:
        return all(status(order) == outcome for order, (outcome, _) in self.expected.items())

    def assert_outcomes(self) -> None:
        for order_id, (outcome, reason) in self.expected.items():
            order = ordering_selectors.order_get(order_id=order_id)
            assert (order.status, order.rejection_reason or "") == (outcome, reason), order_id


def sms(order_id: str) -> list[str]:
    return sorted(SentNotification.objects.filter(order_id=order_id).values_list("kind", flat=True))


def settled(client: redis.Redis) -> bool:
    return (
        all(in_flight(client, queue) == 0 for queue in ALL_QUEUES.split(","))
        and not StreamMessage.objects.filter(stream_position__isnull=True).exists()
        and not Delivery.objects.filter(status__in=Delivery.OPEN).exists()
    )


def finish(mall: Mall, bots: list[str]) -> None:
    """Shop, complete and pay every approved order."""
    for order_id, bot_id in zip(mall.approved(), bots, strict=False):
        shopping = ShoppingList.objects.get(order_id=order_id)
        depot.shopping_list_assign(shopping_list_id=shopping.id, bot_id=bot_id)
        depot.shopping_list_complete(shopping_list_id=shopping.id)
    for order_id in mall.approved():
        wait_until(
            lambda order_id=order_id: Invoice.objects.filter(id=order_id).exists(),
            timeout=RECOVERY_BOUND_SECONDS,
        )
        payments.invoice_pay(invoice_id=order_id)


def assert_final_state(mall: Mall, client: redis.Redis) -> None:
    for order_id in mall.approved():
        wait_until(lambda order_id=order_id: status(order_id) == "completed", timeout=RECOVERY_BOUND_SECONDS)
    wait_until(lambda: settled(client), timeout=RECOVERY_BOUND_SECONDS)
    for order_id, (outcome, _) in mall.expected.items():
        lists = list(ShoppingList.objects.filter(order_id=order_id).values_list("status", flat=True))
        invoices = list(Invoice.objects.filter(order_id=order_id).values_list("status", flat=True))
        if outcome == "approved":
            assert (lists, invoices, sms(order_id)) == (
                ["completed"],
                ["paid"],
                ["completed", "created", "ready"],
            )
        else:
            assert lists in ([], ["canceled"]) and invoices == [], order_id
            assert sms(order_id) == ["created", "rejected"]
        searched = SearchOrder.objects.get(order_id=order_id)
        assert searched.status == ordering_selectors.order_get(order_id=order_id).status
    assert not Delivery.objects.filter(status__in=[*Delivery.OPEN, "dead"]).exists()


@pytest.fixture
def mall(
    own_redis: Any, use_broker: Callable[[str], None], start_worker: Callable[..., Any]
) -> tuple[Mall, list[str]]:
    use_broker(own_redis.url)
    start_worker(queues=ALL_QUEUES, concurrency=2, beat=True, extra_env={"TEST_REDIS_URL": own_redis.url})
    data = mall_data()
    bots = [depot.bot_create(name=f"Robo-{i}") for i in range(12)]
    return Mall(data), bots


def test_a_broker_flush_during_checkouts_changes_no_outcome(mall, own_redis):
    shop, bots = mall
    client = redis.Redis.from_url(own_redis.url)
    # given orders checked out, their sagas in flight
    shop.place(10)
    # when the broker loses everything
    client.flushdb()
    flushed = time.monotonic()
    # then every saga ends as it would have
    wait_until(shop.outcomes_reached, timeout=RECOVERY_BOUND_SECONDS)
    print(f"every outcome reached {time.monotonic() - flushed:.1f} s after the flush")
    shop.assert_outcomes()
    # and flushed again while the orders are shopped, readied and paid
    finish(shop, bots)
    client.flushdb()
    assert_final_state(shop, client)


def test_a_broker_restart_without_persistence_changes_no_outcome(mall, own_redis):
    shop, bots = mall
    client = redis.Redis.from_url(own_redis.url)
    # given orders in flight, then the broker stops and comes back empty
    shop.place(6)
    own_redis.stop()
    shop.place(4)  # checked out while it is down
    own_redis.start()
    restarted = time.monotonic()
    # then
    wait_until(shop.outcomes_reached, timeout=RECOVERY_BOUND_SECONDS)
    print(f"every outcome reached {time.monotonic() - restarted:.1f} s after the restart")
    shop.assert_outcomes()
    finish(shop, bots)
    assert_final_state(shop, client)


def test_a_whole_worker_killed_during_checkouts_changes_no_outcome(own_redis, use_broker, start_worker):
    use_broker(own_redis.url)
    client = redis.Redis.from_url(own_redis.url)
    env = {"TEST_REDIS_URL": own_redis.url}
    victim = start_worker(queues=ALL_QUEUES, concurrency=2, beat=True, extra_env=env)
    shop, bots = Mall(mall_data()), [depot.bot_create(name=f"Robo-{i}") for i in range(12)]
    # given orders in flight
    shop.place(10)
    # when the whole worker (main process, pool and beat) is killed, and another starts
    victim.kill()
    start_worker(queues=ALL_QUEUES, concurrency=2, beat=True, extra_env=env)
    restarted = time.monotonic()
    # then no order is rejected by a timeout: each ends as it would have
    wait_until(shop.outcomes_reached, timeout=RECOVERY_BOUND_SECONDS)
    print(f"every outcome reached {time.monotonic() - restarted:.1f} s after the new worker started")
    shop.assert_outcomes()
    finish(shop, bots)
    assert_final_state(shop, client)

"""The benchmark's mall, seeded through the contexts' services, and its checkouts."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from django.db import connection

from apps.baskets import services as baskets
from apps.baskets.contracts import BasketCheckedOut
from apps.customers import services as customers
from apps.depot import services as depot
from apps.payments import services as payments
from apps.stores import services as stores
from mallbots.kernel.ddd import context as message_context

from .results import Timed

PRODUCTS = (("Widget", "4.99"), ("Gadget", "9.99"), ("Gizmo", "14.99"))
CUSTOMERS = 5
PAYMENT_AMOUNT = Decimal("1000.00")


class BenchmarkMall:
    """A store with products, a bot, customers and one payment per order to come (a payment
    pays for one order); every name starts with the run's prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.seed_correlation = f"{prefix}-seed"
        self.basket_correlation = f"{prefix}-basket"
        self.products: list[str] = []
        self.customers: list[str] = []
        self.payments: list[str] = []
        self.order_ids: list[str] = []
        self._next_payment = 0
        self._lock = threading.Lock()

    def seed(self, payments_needed: int) -> None:
        with message_context.use(correlation_id=self.seed_correlation):
            store_id = stores.store_create(name=f"{self.prefix} Store", location="Benchmark wing")
            for name, price in PRODUCTS:
                self.products.append(
                    stores.product_add(
                        store_id=store_id,
                        name=f"{self.prefix} {name}",
                        description="",
                        sku=f"{self.prefix}-{name}",
                        price=Decimal(price),
                    )
                )
            depot.bot_create(name=f"{self.prefix} Bot")
            for i in range(CUSTOMERS):
                self.customers.append(
                    customers.customer_register(name=f"{self.prefix} Customer {i + 1}", sms_number="555-0100")
                )
            for i in range(payments_needed):
                self.payments.append(
                    payments.payment_authorize(
                        customer_id=self.customers[i % CUSTOMERS], amount=PAYMENT_AMOUNT
                    )
                )

    def checkout(self, index: int) -> Timed:
        """Basket start + add item + checkout through the baskets services, in this process."""
        with self._lock:
            payment_id = self.payments[self._next_payment]
            self._next_payment += 1
        customer_id = self.customers[index % len(self.customers)]
        product_id = self.products[index % len(self.products)]
        called = time.time()
        with message_context.use(correlation_id=self.basket_correlation):
            basket_id = baskets.basket_start(customer_id=customer_id)
            baskets.basket_add_item(basket_id=basket_id, product_id=product_id, quantity=1)
            checkout_called = time.time()
            baskets.basket_checkout(basket_id=basket_id, payment_id=payment_id)  # its id is the order's
        timed = Timed(basket_id, called, checkout_called, time.time())
        with self._lock:
            self.order_ids.append(basket_id)
        return timed

    def correlations(self) -> list[str]:
        return [self.seed_correlation, self.basket_correlation, *self.order_ids]


def db_clock_offset() -> float:
    """Seconds the database's clock is ahead of this process's time.time(), measured on the
    shortest of a few round trips."""
    best: tuple[float, float] | None = None
    with connection.cursor() as cursor:
        for _ in range(5):
            before = time.time()
            cursor.execute("SELECT extract(epoch FROM clock_timestamp())")
            db_time = float(cursor.fetchone()[0])
            after = time.time()
            if best is None or after - before < best[0]:
                best = (after - before, db_time - (before + after) / 2)
    assert best is not None
    return best[1]


def set_commit_times(orders: list[Timed], clock_offset: float) -> None:
    """Each checkout's commit time: the timestamp of its BasketCheckedOut outbox row, written
    last in the checkout's transaction, on this process's clock (kept within the call)."""
    if not orders:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT correlation_id, extract(epoch FROM created_at) FROM messaging_message "
            "WHERE name = %s AND correlation_id = ANY(%s)",
            [BasketCheckedOut.event_name, [t.order_id for t in orders]],
        )
        stamps = {order_id: float(stamp) - clock_offset for order_id, stamp in cursor.fetchall()}
    for timed in orders:
        stamp = stamps.get(timed.order_id, timed.returned)
        timed.committed = min(max(stamp, timed.checkout_called), timed.returned)

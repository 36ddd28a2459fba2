"""Simulated customers and one simulated bot operator driving whole order lives through the REST
API, as people at kiosks and in the depot would.

A customer, in a loop until told to stop starting orders: browses the participating stores
(skipping stores that sell nothing), authorizes a payment, fills a basket with 1-4 products,
checks out, and polls the order until the saga approves or rejects it. Some orders are meant to
be rejected (the payment is smaller than the total) and some to be cancelled once approved; the
others go to the bot operator and, once ready, the customer pays the invoice and waits for the
order to be completed. The operator assigns approved orders' shopping lists to idle bots and
completes them a moment later.

Every wait is a poll with a pause of 0.1-0.5 s, never a busy loop; waiting without progress for
`timeout` seconds makes the order stuck. Choices (customer, products, quantities, fate) come
from a generator seeded per customer, so a rerun with the same `seed` against the same mall
makes the same orders; pauses come from another, so timing does not shift the choices."""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from .api import ApiError, MallApi
from .stats import Outcome, Stats

CENT = Decimal("0.01")
STORES_VISITED = 2  # stores with products a customer looks into per order
COMPLETE_ATTEMPTS = 5  # tries to complete a list after transient errors, a second apart
FINAL_STATUSES = frozenset({"completed", "rejected", "cancelled"})

Fate = Literal["complete", "reject", "cancel"]


@dataclass(frozen=True)
class Config:
    url: str
    token: str
    customer_ids: tuple[str, ...]
    clients: int = 4
    seed: int = 1
    reject_share: float = 0.1
    cancel_share: float = 0.1
    timeout: float = 30.0


class Interrupted(Exception):
    """Ctrl-C: leave the order where it is."""


class Stuck(Exception):
    """No progress within the timeout."""


class Abandoned(Exception):
    """Someone else gave up on the order; the error is already counted."""


@dataclass
class Handoff:
    """An approved order, handed from its customer to the bot operator; `failure` says why the
    operator could not shop for it."""

    order_id: str
    failure: str | None = None


@dataclass
class Trip:
    bot_id: str
    shopping_list_id: str
    done_at: float
    handoff: Handoff
    attempts: int = 0


class Busywork:
    """The threads of one run and the events that steer them."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.stats = Stats()
        self.stop_starting = threading.Event()  # the duration is over: finish the orders in flight
        self.stop_now = threading.Event()  # Ctrl-C: leave everything as it is
        self.handoffs: queue.Queue[Handoff] = queue.Queue()
        self._customers_left = config.clients
        self._lock = threading.Lock()
        self.customers_done = threading.Event()
        self._threads: list[threading.Thread] = [
            threading.Thread(
                target=SimulatedCustomer(self, n).run, name=f"busywork-customer-{n}", daemon=True
            )
            for n in range(config.clients)
        ]
        self._threads.append(
            threading.Thread(target=BotOperator(self).run, name="busywork-bot-operator", daemon=True)
        )

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def join(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds in all; True when every thread has ended."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not self.running()

    def api(self) -> MallApi:
        return MallApi(self.config.url, self.config.token)

    def pause(self, pace: random.Random, low: float = 0.1, high: float = 0.5) -> None:
        if self.stop_now.wait(pace.uniform(low, high)):
            raise Interrupted()

    def customer_finished(self) -> None:
        with self._lock:
            self._customers_left -= 1
            if self._customers_left == 0:
                self.customers_done.set()


class SimulatedCustomer:
    def __init__(self, run: Busywork, number: int) -> None:
        self.run_ = run
        self.config = run.config
        self.stats = run.stats
        self.choices = random.Random(f"{run.config.seed}:customer:{number}")
        self.ordering = False  # whether the current order's basket exists
        self.pace = random.Random(f"{run.config.seed}:customer:{number}:pace")

    def run(self) -> None:
        api = self.run_.api()
        try:
            while not (self.run_.stop_starting.is_set() or self.run_.stop_now.is_set()):
                if self._order(api) == "failed":
                    # Back off, so a server that is down is not hammered by a tight loop of errors.
                    self.run_.stop_now.wait(1.0)
        finally:
            api.close()
            self.run_.customer_finished()

    def _order(self, api: MallApi) -> Outcome:
        """One order's life and how it ended. It counts as an order once its basket exists: a
        failure before that (browsing, the payment) counts as an error only."""
        self.ordering = False
        try:
            outcome = self._life(api)
        except Interrupted:
            outcome = "interrupted"
        except Stuck:
            outcome = "stuck"
        except Abandoned:
            outcome = "failed"
        except ApiError as error:
            self.stats.error(str(error))
            outcome = "failed"
        except Exception as error:  # a bug or a surprising answer must not end the run
            self.stats.error(f"{type(error).__name__}: {error}")
            outcome = "failed"
        if self.ordering:
            self.stats.order_ended(outcome)
        return outcome

    def _life(self, api: MallApi) -> Outcome:
        customer_id = self.choices.choice(self.config.customer_ids)
        items = self._browse(api)
        total = sum((Decimal(str(p["price"])) * quantity for p, quantity in items), Decimal(0))
        fate = self._fate(total)
        amount = total if fate != "reject" else max(CENT, (total / 2).quantize(CENT, rounding=ROUND_DOWN))
        payment_id = api.payment_authorize(customer_id, amount)
        basket_id = api.basket_start(customer_id)
        self.ordering = True
        self.stats.order_started()
        for product, quantity in items:
            api.basket_add_item(basket_id, product["id"], quantity)
        checkout_at = time.monotonic()
        api.basket_checkout(basket_id, payment_id)
        order_id = basket_id  # the order id is the basket id

        status = self._await(api, order_id, {"approved", *FINAL_STATUSES})
        if status != "approved":
            return self._final(status, fate)
        self.stats.order_approved((time.monotonic() - checkout_at) * 1000)
        if fate == "cancel":
            api.order_cancel(order_id)
            return self._final(self._await(api, order_id, FINAL_STATUSES), fate)

        handoff = Handoff(order_id)
        self.run_.handoffs.put(handoff)
        status = self._await(api, order_id, {"ready", *FINAL_STATUSES}, handoff)
        if status != "ready":
            return self._final(status, fate)
        self._await_invoice(api, order_id)
        api.invoice_pay(order_id)
        return self._final(self._await(api, order_id, FINAL_STATUSES), fate)

    def _browse(self, api: MallApi) -> list[tuple[dict[str, Any], int]]:
        """1-4 distinct products, with a quantity of 1-3 each, from up to STORES_VISITED stores."""
        stores = api.participating_stores()
        self.choices.shuffle(stores)
        on_sale: list[dict[str, Any]] = []
        visited = 0
        for store in stores:
            products = api.catalog(store["id"])
            if not products:
                continue  # a participating store that sells nothing yet
            on_sale.extend(products)
            visited += 1
            if visited == STORES_VISITED:
                break
        if not on_sale:
            raise ApiError("no participating store sells anything")
        picked = self.choices.sample(on_sale, min(len(on_sale), self.choices.randint(1, 4)))
        return [(product, self.choices.randint(1, 3)) for product in picked]

    def _fate(self, total: Decimal) -> Fate:
        draw = self.choices.random()
        if draw < self.config.reject_share and total > CENT:
            return "reject"
        if draw < self.config.reject_share + self.config.cancel_share:
            return "cancel"
        return "complete"

    def _final(self, status: str, fate: Fate) -> Outcome:
        if status == "rejected":
            return "rejected" if fate == "reject" else "rejected_unexpectedly"
        if status == "cancelled":
            return "cancelled"
        return "completed"

    def _await(
        self, api: MallApi, order_id: str, statuses: set[str] | frozenset[str], handoff: Handoff | None = None
    ) -> str:
        """Polls the order until its status is one of `statuses`. Stuck when its status has not
        changed for `timeout` seconds; Abandoned when the bot operator gave up on it."""
        last: str | None = None
        deadline = time.monotonic() + self.config.timeout
        while True:
            order = api.order(order_id)  # None until the saga's first step has created it
            status = None if order is None else order["status"]
            if status in statuses:
                return str(status)
            if handoff is not None and handoff.failure is not None:
                raise Abandoned()
            if status != last:
                last, deadline = status, time.monotonic() + self.config.timeout
            elif time.monotonic() > deadline:
                raise Stuck()
            self.run_.pause(self.pace)

    def _await_invoice(self, api: MallApi, order_id: str) -> None:
        """Payments raises the invoice when it hears the order is ready: shortly after."""
        self._poll(lambda: api.invoice(order_id) is not None)

    def _poll(self, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.config.timeout
        while not done():
            if time.monotonic() > deadline:
                raise Stuck()
            self.run_.pause(self.pace)


class BotOperator:
    """One person in the depot: takes approved orders in the order they were handed over, and
    sends every idle bot out with one; a bot completes its list a moment after assignment."""

    def __init__(self, run: Busywork) -> None:
        self.run_ = run
        self.stats = run.stats
        self.pace = random.Random(f"{run.config.seed}:operator:pace")
        self.waiting: deque[Handoff] = deque()
        self.trips: dict[str, Trip] = {}  # by bot id

    def run(self) -> None:
        api = self.run_.api()
        try:
            while not self.run_.stop_now.is_set():
                try:
                    self._take_handoffs()
                    self._complete_due(api, time.monotonic())
                    if self.waiting:
                        self._assign(api)
                except Exception as error:  # a bug or a surprising answer must not end the run
                    self.stats.error(f"bot operator: {type(error).__name__}: {error}")
                if self.run_.customers_done.is_set() and not self.waiting and not self.trips:
                    self._take_handoffs()
                    if not self.waiting:
                        break
                self.run_.stop_now.wait(self.pace.uniform(0.1, 0.3))
        finally:
            # Also on Ctrl-C: bots on a trip come back, so none stays active after the run.
            self._complete_due(api, float("inf"), retry=False)
            api.close()

    def _take_handoffs(self) -> None:
        while True:
            try:
                self.waiting.append(self.run_.handoffs.get_nowait())
            except queue.Empty:
                return

    def _complete_due(self, api: MallApi, now: float, retry: bool = True) -> None:
        for trip in [trip for trip in self.trips.values() if trip.done_at <= now]:
            trip.attempts += 1
            try:
                api.shopping_list_complete(trip.shopping_list_id)
            except ApiError as error:
                self.stats.error(str(error))
                if retry and error.transient and trip.attempts < COMPLETE_ATTEMPTS:
                    # A bot left on an uncompleted list would stay active for good: try again.
                    trip.done_at = time.monotonic() + 1.0
                    continue
                trip.handoff.failure = str(error)
            else:
                self.stats.list_shopped()
            del self.trips[trip.bot_id]

    def _assign(self, api: MallApi) -> None:
        try:
            bots = api.bots()
        except ApiError as error:
            self.stats.error(str(error))  # the next round asks again
            return
        for bot in bots:
            if not self.waiting:
                return
            if bot["status"] != "idle" or bot["id"] in self.trips:
                continue
            handoff = self.waiting.popleft()
            try:
                shopping_list_id = self._available_list(api, handoff.order_id)
            except ApiError as error:
                self._failed(handoff, str(error))
                continue
            try:
                api.shopping_list_assign(shopping_list_id, bot["id"])
            except ApiError as error:
                # Without an answer the assignment may have happened all the same; then the bot
                # is active and only completing the list brings it back.
                if not (error.transient and self._assigned(api, handoff.order_id, bot["id"])):
                    self._failed(handoff, str(error))
                    continue
                self.stats.error(str(error))
            done_at = time.monotonic() + self.pace.uniform(0.2, 1.0)
            self.trips[bot["id"]] = Trip(bot["id"], shopping_list_id, done_at, handoff)

    def _available_list(self, api: MallApi, order_id: str) -> str:
        lists = api.shopping_lists_of_order(order_id)
        if not lists:
            raise ApiError("GET /api/depot/shopping?orderId=: an approved order has no shopping list")
        if lists[0]["status"] != "available":
            raise ApiError(f"the shopping list of an approved order is {lists[0]['status']}, not available")
        return str(lists[0]["id"])

    def _assigned(self, api: MallApi, order_id: str, bot_id: str) -> bool:
        try:
            lists = api.shopping_lists_of_order(order_id)
        except ApiError:
            return False
        return bool(lists) and lists[0]["status"] == "assigned" and lists[0]["assignedBotId"] == bot_id

    def _failed(self, handoff: Handoff, message: str) -> None:
        self.stats.error(message)
        handoff.failure = message

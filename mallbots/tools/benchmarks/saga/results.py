"""What `benchmark saga` measures, per saga mode and for the raw Celery baselines."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from apps.ordering.models import Order

MODES = ("choreography", "orchestration")
# The handlers on each mode's critical path from checkout to approval, in order (docs/saga.md):
# one Celery hop each. The raw chain of a mode has as many hops.
CRITICAL_PATH = {
    "choreography": (
        "ordering.on_baskets_basket_checked_out",
        "customers.on_ordering_order_created",
        "depot.on_customers_customer_authorized",
        "payments.on_depot_shopping_list_created",
        "depot.on_payments_payment_confirmed",
        "ordering.on_depot_shopping_list_initiated",
    ),
    "orchestration": (
        "ordering.on_baskets_basket_checked_out",  # creates the order and sends AuthorizeCustomer
        "customers.authorize_customer",
        "ordering.create_order_replies",
        "depot.create_shopping_list",
        "ordering.create_order_replies",
        "payments.confirm_payment",
        "ordering.create_order_replies",
        "depot.initiate_shopping",
        "ordering.create_order_replies",  # approves the order
    ),
}


def hops(mode: str) -> int:
    return len(CRITICAL_PATH[mode])


@dataclass
class Options:
    seconds: float = 10.0
    rate: float = 2.0
    orders: int = 200
    threads: int = 4
    modes: tuple[str, ...] = MODES
    profile: bool = False  # the workers log where each delivery's time goes (MESSAGING_PROFILE)
    chains: int = 30  # per chain length; the first one is a warm-up
    noops: int = 2_000

    @property
    def orders_per_mode(self) -> int:
        """Checkouts of one mode: a warm-up, the steady-rate ones and the throughput ones."""
        return 1 + math.ceil(self.seconds * self.rate) + self.orders


@dataclass
class Timed:
    """One checkout: when it was called and returned (this clock), when it committed and when
    its order was seen finished (approved, or rejected)."""

    order_id: str
    called: float  # basket_start called
    checkout_called: float  # basket_checkout called
    returned: float  # basket_checkout returned (after its commit and the relay of its message)
    committed: float = 0.0
    finished: float | None = None
    status: str = "pending"

    @property
    def latency(self) -> float:
        assert self.finished is not None
        return self.finished - self.committed


@dataclass
class Phase:
    orders: list[Timed] = field(default_factory=list)
    began: float = 0.0  # first checkout called
    submitted: float = 0.0  # last checkout returned
    ended: float = 0.0  # last order seen finished
    worker_cpu: float | None = None
    process_cpu: float = 0.0
    machine_busy: float | None = None
    timed_out: int = 0
    # Milliseconds per delivery, per handler, from the worker's log (until the orders settled).
    handler_ms: dict[str, list[float]] = field(default_factory=dict)
    # With --profile: (handler, milliseconds by phase) of each delivery, from the worker's log.
    profiles: list[tuple[str, dict[str, float]]] = field(default_factory=list)

    @property
    def finished(self) -> list[Timed]:
        return [t for t in self.orders if t.finished is not None]

    @property
    def approved(self) -> list[Timed]:
        return [t for t in self.orders if t.status == Order.Status.APPROVED]

    @property
    def rejected(self) -> list[Timed]:
        return [t for t in self.finished if t.status != Order.Status.APPROVED]

    @property
    def latencies(self) -> list[float]:
        return [t.latency for t in self.approved]

    @property
    def orders_per_second(self) -> float:
        elapsed = self.ended - self.began
        return len(self.finished) / elapsed if elapsed > 0 else 0.0


@dataclass
class ModeRun:
    """The saga in one mode, on a worker started with MALLBOTS_SAGA set to it."""

    mode: str
    warm_up: float = 0.0  # seconds from checkout to approval of the first order
    latency: Phase = field(default_factory=Phase)
    throughput: Phase = field(default_factory=Phase)
    deliveries_per_order: float = 0.0
    deliveries_by_message: dict[str, float] = field(default_factory=dict)
    celery_tasks_per_order: float | None = None  # as counted by the worker itself
    # PostgreSQL sessions opened on the database per delivery: 0 when the worker keeps its
    # connections, about 1 when it connects anew for every task.
    sessions_per_delivery: float | None = None


@dataclass
class Results:
    chains: dict[int, list[float]] = field(default_factory=dict)  # hops -> latencies (s)
    noop_sent: float = 0.0  # seconds to send them
    noop_elapsed: float = 0.0  # first send -> last one run
    noop_worker_cpu: float | None = None
    runs: dict[str, ModeRun] = field(default_factory=dict)

"""`benchmark saga`: what the create-order saga (docs/saga.md) costs end to end, next to what
raw Celery does on the same broker and the same worker, measured in the same run.

The command starts one Celery worker of its own (every queue of the settings, concurrency 2,
with beat) and stops it at the end, also after a failure or Ctrl-C. Then:

1. raw 6-hop chain latency: a task that sends the next hop to the next queue, six hops in
   all, as the saga's six steps cross contexts from checkout to approval;
2. raw task rate: how many no-op tasks per second the worker runs;
3. it seeds a benchmark mall through the contexts' services (a store, products, a bot,
   customers and their payments; every name starts with the run's id);
4. saga latency at a light steady rate: basket start + add item + checkout through the
   baskets services in this process, timed from the checkout's commit until the ordering read
   model says the order is approved;
5. sustained throughput: many checkouts at once, timed until every order is approved, set
   against what the raw task rate allows for the Celery tasks one order needs.

It removes its outbox and inbox rows, its Redis keys and any of its tasks still queued; the
contexts' data (store, products, customers, payments, baskets, orders, shopping lists) stays,
named with the run id."""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import override_settings

from apps.baskets import services as baskets
from apps.baskets.contracts import BasketCheckedOut
from apps.customers import services as customers
from apps.depot import services as depot
from apps.ordering.models import Order
from apps.payments import services as payments
from apps.stores import services as stores
from mallbots.celery import app
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.transport import DELIVER_TASK

from .kernel import _fmt_ms, _fmt_rate, _machine_ticks, _process_cpu, _step, _verdict
from .tasks import queues

CHAIN_HOPS = 6  # checkout -> created -> authorized -> list created -> paid -> initiated -> approved
CONCURRENCY = 2
TARGET_LATENCY_FACTOR = 10.0  # saga p50 <= 10x the raw 6-hop chain's p50
TARGET_THROUGHPUT_RATIO = 0.5  # saga orders/s >= 50% of what the raw task rate allows
LATENCY_POLL_SECONDS = 0.010
THROUGHPUT_POLL_SECONDS = 0.050
WORKER_READY_SECONDS = 60.0
WORKER_STOP_SECONDS = 20.0
PRODUCTS = (("Widget", "4.99"), ("Gadget", "9.99"), ("Gizmo", "14.99"))
CUSTOMERS = 5
PAYMENT_AMOUNT = Decimal("1000.00")
# The saga's steps from checkout to approval, in order (docs/saga.md): its critical path.
SAGA_STEPS = (
    "ordering.on_baskets_basket_checked_out",
    "customers.on_ordering_order_created",
    "depot.on_customers_customer_authorized",
    "payments.on_depot_shopping_list_created",
    "depot.on_payments_payment_confirmed",
    "ordering.on_depot_shopping_list_initiated",
)
_HANDLED = re.compile(rb"INFO \S+ handled (\S+) <- \S+ \S+ \(key \S+\) in ([\d.]+) ms")

Write = Callable[[str], None]


@dataclass
class Options:
    seconds: float = 10.0
    rate: float = 2.0
    orders: int = 200
    threads: int = 4
    chains: int = 30  # the first one is a warm-up
    noops: int = 2_000


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
class Results:
    chain: list[float] = field(default_factory=list)
    noop_sent: float = 0.0  # seconds to send them
    noop_elapsed: float = 0.0  # first send -> last one run
    noop_worker_cpu: float | None = None
    latency: Phase | None = None
    throughput: Phase | None = None
    deliveries_per_order: float = 0.0
    deliveries_by_event: dict[str, float] = field(default_factory=dict)
    celery_tasks_per_order: float | None = None  # as counted by the worker itself
    # PostgreSQL sessions opened on the database per delivery: 0 when the worker keeps its
    # connections, about 1 when it connects anew for every task.
    sessions_per_delivery: float | None = None


def _p50(values: list[float] | None) -> str:
    return _fmt_ms(percentile(values, 0.5) / 1000) if values else "-"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _database_url() -> str:
    """The database this process uses (in tests, the test database), as a URL for the worker."""
    db = connection.settings_dict
    user = quote(str(db.get("USER") or "postgres"), safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    host = str(db.get("HOST") or "127.0.0.1")
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host, safe="")
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def _db_clock_offset() -> float:
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


def _sessions() -> int | None:
    """Sessions ever opened on this database (PostgreSQL 14 and later), or None."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # this transaction sees fresh counters
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return int(row[0]) if row else None


def _task_of_run(raw: bytes | str, correlation_ids: set[str]) -> bool:
    """Whether a message waiting in a queue is a benchmark task, or the delivery of a message
    published under one of these correlation ids."""
    try:
        message = json.loads(raw)
        task = message["headers"]["task"]
        if task.startswith("benchmark."):
            return True
        if task != DELIVER_TASK:
            return False
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return bool(args[1].get("correlation_id") in correlation_ids)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return False


# --- The worker ----------------------------------------------------------------------------


class WorkerError(RuntimeError):
    pass


class Worker:
    """The benchmark's own `celery worker` subprocess, in its own process group (so stopping it
    stops its pool processes and beat too, and a Ctrl-C in the terminal does not reach it)."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.log = workdir / "worker.log"
        self.schedule = workdir / "beat-schedule"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        # Read now: under override_settings (while the benchmark runs) it is not there.
        self.settings_module = str(settings.SETTINGS_MODULE)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mallbots",
            "worker",
            "-Q",
            ",".join(queues()),
            "-c",
            str(CONCURRENCY),
            "-P",
            "prefork",
            "-l",
            "INFO",  # the "ready." line, and the kernel's line per handled delivery
            "--without-mingle",
            "--without-gossip",
            "-B",
            "-s",
            str(self.schedule),
            "-n",
            self.name,
        ]

    def environment(self) -> dict[str, str]:
        """This process's environment, pointed at the same database and broker as this
        process's settings (which, in tests, are not those of the environment)."""
        broker = str(settings.CELERY_BROKER_URL)
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker,
            "TEST_REDIS_URL": broker,  # what the test settings read instead
            "DEBUG": "false",  # no query logging: no deployment pays for it
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=settings.BASE_DIR,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while b"ready." not in self.log.read_bytes():
            if self.process.poll() is not None:
                raise WorkerError(
                    f"the worker exited with code {self.process.returncode} before it was ready"
                )
            if time.monotonic() > deadline:
                raise WorkerError(f"the worker was not ready within {WORKER_READY_SECONDS:g} s")
            time.sleep(0.1)

    def stop(self) -> str:
        """SIGTERM (warm shutdown), then SIGKILL after a timeout; then waits until no process of
        its group (pool processes, beat) is left. Returns what happened."""
        process = self.process
        if process is None:
            return "not started"
        try:
            if process.poll() is not None:
                outcome = f"had exited with code {process.returncode}"
            else:
                t0 = time.monotonic()
                self._signal_group(signal.SIGTERM)
                try:
                    code = process.wait(WORKER_STOP_SECONDS)
                    outcome = f"stopped (SIGTERM, exit code {code}) in {time.monotonic() - t0:.1f} s"
                except subprocess.TimeoutExpired:
                    self._signal_group(signal.SIGKILL)
                    process.wait(10)
                    outcome = f"killed (SIGKILL) after {WORKER_STOP_SECONDS:g} s"
            if not self._group_gone(5.0):  # pool or beat processes that outlived the main one
                self._signal_group(signal.SIGKILL)
                self._group_gone(5.0)
                outcome += ", leftover processes killed"
            return outcome
        finally:
            if self._log_file is not None:
                self._log_file.close()

    def _signal_group(self, sig: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def _group_gone(self, timeout: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_size(self) -> int:
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def handler_times(self, since: int) -> dict[str, list[float]]:
        """Milliseconds of each delivery handled since byte `since` of the log, per handler, as
        the kernel logs them (transaction, handler, commit and the relay after it)."""
        times: dict[str, list[float]] = defaultdict(list)
        with self.log.open("rb") as log:
            log.seek(since)
            for match in _HANDLED.finditer(log.read()):
                times[match.group(1).decode()].append(float(match.group(2)))
        return dict(times)

    def cpu_seconds(self) -> float | None:
        """User + system CPU of every process of the worker's process group (Linux)."""
        if self.process is None:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            entries = os.listdir("/proc")
        except OSError:
            return None
        for entry in entries:
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # the process group
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def tasks_run(self) -> dict[str, int] | None:
        """Tasks the worker has run so far, by name, as it reports them (remote control)."""
        try:
            replies = app.control.inspect(destination=[self.name], timeout=2.0).stats() or {}
        except Exception:
            return None
        stats = replies.get(self.name)
        return dict(stats.get("total", {})) if stats else None


# --- The benchmark -------------------------------------------------------------------------


class SagaBenchmark:
    def __init__(self, options: Options, write: Write) -> None:
        self.options = options
        self.write = write
        self.run_id = uuid.uuid4().hex[:8]
        self.prefix = f"bench-{self.run_id}"
        self.seed_correlation = f"{self.prefix}-seed"
        self.basket_correlation = f"{self.prefix}-basket"
        self.redis_prefix = f"benchmark:saga:{self.run_id}:"
        self.results = Results()
        self.worker: Worker | None = None
        self.workdir: Path | None = None
        self.order_ids: list[str] = []
        self.products: list[str] = []
        self.customers: list[str] = []
        self.payments: list[str] = []
        self._next_payment = 0
        self._lock = threading.Lock()
        self._clock_offset = 0.0
        self._redis: redis.Redis | None = None
        self.seeded: dict[str, int] = {}

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        return self._redis

    @property
    def noop_rate(self) -> float:
        r = self.results
        return self.options.noops / r.noop_elapsed if r.noop_elapsed > 0 else 0.0

    # -- orchestration --

    def run(self) -> Results:
        self._header()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"mallbots-{self.prefix}-"))
        self.worker = Worker(f"{self.prefix}@{socket.gethostname()}", self.workdir)
        try:
            with override_settings(DEBUG=False):  # no query logging in this process either
                self._warn_about_other_workers()
                self.phase_worker()
                self.phase_chain()
                self.phase_noop()
                self.phase_seed()
                self.phase_latency()
                self.phase_throughput()
        except BaseException as exc:
            if self.worker.process is not None and not isinstance(exc, KeyboardInterrupt):
                self.write(f"      failed: {exc}")
                self.write("      last lines of the worker's log:")
                for line in self.worker.tail().splitlines():
                    self.write(f"        {line}")
            raise
        finally:
            self.finish()
        self.report()
        return self.results

    def _header(self) -> None:
        o = self.options
        params = connection.settings_dict
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        self.write(f"MallBots saga benchmark, run {self.run_id}")
        self.write(
            f"  database  {params.get('HOST') or 'local'}:{params.get('PORT') or 5432}/"
            f"{params['NAME']} (PostgreSQL {version})"
        )
        self.write(f"  broker    {app.connection().as_uri()}")
        self.write(
            f"  one worker: every queue ({len(queues())}), concurrency {CONCURRENCY} prefork, beat; "
            f"{os.cpu_count()} CPU cores, load average {load:.2f}"
        )
        self.write(
            f"  {o.rate:g} checkouts/s for {o.seconds:g} s, then {o.orders:,} checkouts at once "
            f"from {o.threads} threads; DEBUG query logging off"
        )

    def _warn_about_other_workers(self) -> None:
        try:
            others = [name for reply in app.control.ping(timeout=0.5) for name in reply]
        except Exception:
            others = []
        if others:
            self.write(
                f"      note: {len(others)} other worker(s) consume this broker ({', '.join(sorted(others))}); "
                "they take some of the benchmark's tasks and share the machine"
            )

    # -- 1. the worker --

    def phase_worker(self) -> None:
        assert self.worker is not None
        self.write(f"[1/6] starting a worker ({self.worker.name}) ...")
        t0 = time.perf_counter()
        self.worker.start()
        self.write(f"      worker pid {self.worker.pid} ready in {time.perf_counter() - t0:.1f} s")

    # -- 2. raw 6-hop chains --

    def phase_chain(self) -> None:
        n = self.options.chains
        names = queues()
        key = f"{self.redis_prefix}chain"
        self.write(f"[2/6] raw Celery {CHAIN_HOPS}-hop chains across the queues, {n} one at a time ...")
        for i in range(n):
            first = names[(i + CHAIN_HOPS - 1) % len(names)]
            app.send_task(
                "benchmark.hop", args=[CHAIN_HOPS - 1, time.time(), key, i], queue=first, routing_key=first
            )
            reply = self.redis.blpop([key], timeout=30)
            if reply is None:
                raise RuntimeError(f"chain {i + 1} did not finish within 30 s")
            if i > 0:  # the first one warms the worker's processes up
                self.results.chain.append(float(reply[1]))
        chain = self.results.chain
        self.write(f"      p50 {_fmt_ms(percentile(chain, 0.5))}, p99 {_fmt_ms(percentile(chain, 0.99))}")

    # -- 3. raw task rate --

    def phase_noop(self) -> None:
        assert self.worker is not None
        n = self.options.noops
        names = queues()
        key = f"{self.redis_prefix}noop"
        self.write(f"[3/6] raw Celery: {n:,} no-op tasks across the queues ...")
        cpu0 = self.worker.cpu_seconds()
        with app.producer_or_acquire() as producer:
            t0 = time.perf_counter()
            for i in range(n):
                queue = names[i % len(names)]
                app.send_task("benchmark.noop", args=[key], queue=queue, routing_key=queue, producer=producer)
            self.results.noop_sent = time.perf_counter() - t0
        deadline = time.monotonic() + max(60.0, n / 20)
        while int(self.redis.get(key) or 0) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the worker ran only {int(self.redis.get(key) or 0):,} of {n:,} no-op tasks"
                )
            time.sleep(0.005)
        self.results.noop_elapsed = time.perf_counter() - t0
        cpu1 = self.worker.cpu_seconds()
        if cpu0 is not None and cpu1 is not None:
            self.results.noop_worker_cpu = cpu1 - cpu0
        self.write(
            f"      {_fmt_rate(self.noop_rate)} (sent in {self.results.noop_sent:.2f} s, "
            f"all run in {self.results.noop_elapsed:.2f} s)"
        )

    # -- 4. the mall --

    def phase_seed(self) -> None:
        o = self.options
        needed = 1 + math.ceil(o.seconds * o.rate) + o.orders  # one payment pays for one order
        self.write(
            f"[4/6] seeding a mall named {self.prefix}: 1 store, {len(PRODUCTS)} products, 1 bot, "
            f"{CUSTOMERS} customers, {needed:,} payments ..."
        )
        t0 = time.perf_counter()
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
            for i in range(needed):
                self.payments.append(
                    payments.payment_authorize(
                        customer_id=self.customers[i % CUSTOMERS], amount=PAYMENT_AMOUNT
                    )
                )
        self.seeded = {"payments": needed}
        self._wait_settled([self.seed_correlation], timeout=60.0, what="the seed")
        self.write(
            f"      seeded and its messages handled (caches of baskets, depot, payments, ...) "
            f"in {time.perf_counter() - t0:.2f} s"
        )

    # -- checkouts and their orders --

    def _checkout(self, index: int) -> Timed:
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

    def _drive(
        self,
        submit: Callable[[Callable[[Timed], None], threading.Event], None],
        *,
        poll: float,
        timeout: float,
    ) -> Phase:
        """Run `submit` on its own threads while this thread polls the ordering read model for
        every order in flight, in one query per poll, until all are finished or time is up."""
        assert self.worker is not None
        phase = Phase()
        submitted: list[Timed] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def add(timed: Timed) -> None:
            with self._lock:
                submitted.append(timed)

        def run() -> None:
            try:
                submit(add, stop)
            except BaseException as exc:
                errors.append(exc)
                stop.set()

        cpu0, ticks0, worker0 = _process_cpu(), _machine_ticks(), self.worker.cpu_seconds()
        phase.began = time.time()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        in_flight: dict[str, Timed] = {}
        seen = 0
        deadline: float | None = None
        try:
            while True:
                with self._lock:
                    fresh, seen = submitted[seen:], len(submitted)
                for timed in fresh:
                    in_flight[timed.order_id] = timed
                    phase.orders.append(timed)
                if in_flight:
                    asked = time.time()
                    done = (
                        Order.objects.filter(id__in=list(in_flight))
                        .exclude(status=Order.Status.PENDING)
                        .values_list("id", "status")
                    )
                    for order_id, status in done:
                        timed = in_flight.pop(order_id)
                        timed.finished, timed.status = asked, status
                        phase.ended = max(phase.ended, asked)
                if errors:
                    raise errors[0]
                if not thread.is_alive():
                    if deadline is None:
                        deadline = time.monotonic() + timeout
                    if not in_flight and len(phase.orders) == len(submitted):
                        break
                    if time.monotonic() > deadline:
                        phase.timed_out = len(in_flight)
                        break
                time.sleep(poll)
        finally:
            stop.set()
            thread.join(30)
        phase.submitted = max((t.returned for t in phase.orders), default=phase.began)
        worker1, ticks1 = self.worker.cpu_seconds(), _machine_ticks()
        phase.process_cpu = _process_cpu() - cpu0
        if worker0 is not None and worker1 is not None:
            phase.worker_cpu = worker1 - worker0
        if ticks0 and ticks1 and ticks1[1] > ticks0[1]:
            phase.machine_busy = (ticks1[0] - ticks0[0]) / (ticks1[1] - ticks0[1])
        self._commit_times(phase.orders)
        return phase

    def _commit_times(self, orders: list[Timed]) -> None:
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
            stamps = {order_id: float(stamp) - self._clock_offset for order_id, stamp in cursor.fetchall()}
        for timed in orders:
            stamp = stamps.get(timed.order_id, timed.returned)
            timed.committed = min(max(stamp, timed.checkout_called), timed.returned)

    # -- 5. latency at a steady rate --

    def phase_latency(self) -> None:
        assert self.worker is not None
        o = self.options
        count = math.ceil(o.seconds * o.rate)
        self._clock_offset = _db_clock_offset()
        self.write("[5/6] saga: one warm-up checkout ...")

        def warm_up(add: Callable[[Timed], None], stop: threading.Event) -> None:
            try:
                add(self._checkout(0))
            finally:
                connections.close_all()

        warm = self._drive(warm_up, poll=LATENCY_POLL_SECONDS, timeout=30.0)
        if not warm.approved:
            raise RuntimeError(f"the warm-up order was not approved: {warm.orders[0].status}")
        self.write(f"      approved in {_fmt_ms(warm.orders[0].latency)}")
        self.write(
            f"[5/6] saga latency: {count:,} checkouts at {o.rate:g}/s for {o.seconds:g} s, "
            f"polling the order read model every {LATENCY_POLL_SECONDS * 1000:g} ms ..."
        )

        def submit(add: Callable[[Timed], None], stop: threading.Event) -> None:
            start = time.monotonic()
            try:
                for k in range(count):
                    delay = start + k / o.rate - time.monotonic()
                    if delay > 0 and stop.wait(delay):
                        return
                    add(self._checkout(k + 1))
            finally:
                connections.close_all()  # this thread's connection

        log_at = self.worker.log_size()
        phase = self._drive(submit, poll=LATENCY_POLL_SECONDS, timeout=30.0)
        self.results.latency = phase
        lat = phase.latencies
        self.write(
            f"      {len(phase.approved):,} approved, {len(phase.rejected)} rejected, {phase.timed_out} unfinished; "
            f"p50 {_fmt_ms(percentile(lat, 0.5))}, p99 {_fmt_ms(percentile(lat, 0.99))}"
        )
        self._wait_settled(
            [t.order_id for t in phase.orders], timeout=60.0, what="the latency phase's orders"
        )
        phase.handler_ms = self.worker.handler_times(log_at)

    # -- 6. sustained throughput --

    def phase_throughput(self) -> None:
        assert self.worker is not None
        o = self.options
        self.write(f"[6/6] saga throughput: {o.orders:,} checkouts from {o.threads} threads at once ...")
        before = self.worker.tasks_run()
        sessions_before = _sessions()
        log_at = self.worker.log_size()
        first = 1 + math.ceil(o.seconds * o.rate)
        next_index = iter(range(first, first + o.orders))

        def submit(add: Callable[[Timed], None], stop: threading.Event) -> None:
            def work() -> None:
                try:
                    while not stop.is_set():
                        with self._lock:
                            index = next(next_index, None)
                        if index is None:
                            return
                        add(self._checkout(index))
                finally:
                    connections.close_all()

            pool = [threading.Thread(target=work, daemon=True) for _ in range(o.threads)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()

        phase = self._drive(submit, poll=THROUGHPUT_POLL_SECONDS, timeout=max(120.0, o.orders * 0.5))
        self.results.throughput = phase
        self.write(
            f"      {len(phase.approved):,} approved, {len(phase.rejected)} rejected, {phase.timed_out} unfinished "
            f"in {phase.ended - phase.began:.2f} s (submitted in {phase.submitted - phase.began:.2f} s): "
            f"{phase.orders_per_second:,.1f} orders/s"
        )
        ids = [t.order_id for t in phase.orders]
        self._wait_settled(ids, timeout=60.0, what="the throughput phase's orders")
        self._count_deliveries(ids)
        after = self.worker.tasks_run()
        sessions_after = _sessions()
        deliveries = self.results.deliveries_per_order * len(ids)
        if sessions_before is not None and sessions_after is not None and deliveries:
            self.results.sessions_per_delivery = (sessions_after - sessions_before) / deliveries
        if before is not None and after is not None and ids:
            delivered = after.get("messaging.deliver", 0) - before.get("messaging.deliver", 0)
            self.results.celery_tasks_per_order = delivered / len(ids)
        phase.handler_ms = self.worker.handler_times(log_at)

    def _count_deliveries(self, order_ids: list[str]) -> None:
        """The Celery deliveries (handler invocations) of the orders' messages: one per message
        published under the order's id, from the checkout on, and subscriber."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.name, count(*) FROM messaging_delivery d JOIN messaging_message m "
                "ON m.message_id = d.message_id WHERE m.correlation_id = ANY(%s) GROUP BY d.name",
                [order_ids],
            )
            by_event = {name: float(total) / len(order_ids) for name, total in cursor.fetchall()}
        self.results.deliveries_by_event = dict(sorted(by_event.items(), key=lambda kv: (-kv[1], kv[0])))
        self.results.deliveries_per_order = sum(by_event.values())

    # -- settling --

    def _wait_settled(self, correlation_ids: list[str], *, timeout: float, what: str) -> None:
        """Until every message published under these correlation ids is appended to its stream
        and every delivery of it is handled. A dead letter among them fails the benchmark."""
        if not correlation_ids:
            return
        deadline = time.monotonic() + timeout
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE m.stream_position IS NULL), count(d.id), "
                    " count(d.id) FILTER (WHERE d.status = 'handled'), count(d.id) FILTER (WHERE d.status = 'dead') "
                    "FROM messaging_message m LEFT JOIN messaging_delivery d ON d.message_id = m.message_id "
                    "WHERE m.correlation_id = ANY(%s)",
                    [correlation_ids],
                )
                unsent, deliveries, handled, dead = cursor.fetchone()
            if dead:
                raise RuntimeError(f"{dead} dead letter(s) among the messages of {what}")
            if unsent == 0 and handled >= deliveries:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{what} did not settle within {timeout:g} s: {unsent} messages unsent, "
                    f"{handled:,} of {deliveries:,} deliveries handled"
                )
            time.sleep(0.05)

    # -- stopping and cleaning up --

    def finish(self) -> None:
        """Stop the worker and remove what this run wrote. Runs after a failure or Ctrl-C too;
        a second Ctrl-C is ignored while it runs."""
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            if self.worker is not None and self.worker.process is not None:
                self.write("stopping the worker ...")
                self.write(f"      worker pid {self.worker.pid} {self.worker.stop()}")
            self.cleanup()
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _correlations(self) -> list[str]:
        return [self.seed_correlation, self.basket_correlation, *self.order_ids]

    def cleanup(self) -> None:
        self.write("cleanup ...")
        removed: list[str] = []
        with _step(self.write, "database"):
            if connection.in_atomic_block or not connection.is_usable():
                connection.close()
            with transaction.atomic(), connection.cursor() as cursor:
                removed += self._clean_messages(cursor, self._correlations())
        with _step(self.write, "redis"):
            removed.append(f"{self._clean_redis()} redis keys")
            stray = self._remove_queued_tasks()
            if stray:
                removed.append(f"{stray:,} queued tasks of this run")
        self.write(f"      removed {', '.join(removed)}")
        if self.order_ids or self.customers:
            self.write(
                f"      kept: the contexts' data of this run, named {self.prefix} (store, products, bot, "
                f"customers, {len(self.payments):,} payments, {len(self.order_ids):,} baskets, their orders "
                "and shopping lists)"
            )

    def _clean_messages(self, cursor: Any, ids: list[str]) -> list[str]:
        """Every trace of the run's messages: outbox and inbox rows, deliveries waiting for a
        retry or for a predecessor (only an interrupted run leaves those), and the ordering
        sequence and cursor rows of the partitions its messages used (its orders, customers,
        products, ...), so that a later message about them starts a fresh sequence. Dead letters
        are kept for inspection, with their partitions' sequences."""
        removed = []
        cursor.execute(
            "SELECT DISTINCT partition_key FROM messaging_message WHERE correlation_id = ANY(%s)", [ids]
        )
        keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM messaging_delivery d JOIN messaging_message m ON m.message_id = d.message_id "
            "WHERE d.status = 'dead' AND m.correlation_id = ANY(%s)",
            [ids],
        )
        dead = cursor.fetchone()[0]
        if dead:
            self.write(f"      {dead} dead letters of this run are kept for inspection (admin, dead_letters)")
        cursor.execute(
            "DELETE FROM messaging_delivery d USING messaging_message m WHERE m.message_id = d.message_id "
            "AND d.status <> 'dead' AND m.correlation_id = ANY(%s)",
            [ids],
        )
        removed.append(f"{cursor.rowcount:,} deliveries")
        cursor.execute(
            "DELETE FROM messaging_message m WHERE m.correlation_id = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM messaging_delivery d WHERE d.message_id = m.message_id)",
            [ids],
        )
        removed.append(f"{cursor.rowcount:,} stream messages")
        rows = 0
        for table in ("partitionsequence", "partitioncursor"):
            cursor.execute(
                f"DELETE FROM messaging_{table} WHERE partition_key = ANY(%s) AND partition_key NOT IN "
                "(SELECT partition_key FROM messaging_delivery WHERE status = 'dead' AND partition_key = ANY(%s))",
                [keys, keys],
            )
            rows += cursor.rowcount
        removed.append(f"{rows:,} sequence and cursor rows")
        return removed

    def _key(self, name: str) -> str:
        prefix: str = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
        return prefix + name

    def _clean_redis(self) -> int:
        keys = [k for k in self.redis.scan_iter(match=f"{self.redis_prefix}*")]
        if self.worker is not None:
            # The worker's remote-control mailbox, named after it.
            keys += [k for k in self.redis.scan_iter(match=f"*{self.worker.name}*")]
        return int(self.redis.delete(*keys)) if keys else 0

    def _remove_queued_tasks(self) -> int:
        """Tasks of this run still waiting in the queues, which only an interrupted run leaves:
        benchmark tasks, and deliveries of this run's messages (their outbox and inbox rows are
        gone, so a later worker must not run them)."""
        ours = set(self._correlations())
        removed = 0
        for queue in queues():
            key = self._key(queue)
            messages: list[bytes] = self.redis.lrange(key, 0, -1)  # type: ignore[assignment]
            for raw in messages:
                if _task_of_run(raw, ours):
                    removed += int(self.redis.lrem(key, 1, raw))  # type: ignore[arg-type]
        return removed

    # -- report --

    def report(self) -> None:
        r, o, w = self.results, self.options, self.write
        lat, thr = r.latency, r.throughput
        assert lat is not None and thr is not None
        chain_p50 = percentile(r.chain, 0.5)
        saga_p50 = percentile(lat.latencies, 0.5)
        latency_factor = saga_p50 / chain_p50 if chain_p50 > 0 else float("inf")
        tasks_per_order = r.deliveries_per_order
        allows = self.noop_rate / tasks_per_order if tasks_per_order else 0.0
        throughput_ratio = thr.orders_per_second / allows if allows else 0.0
        line = "-" * 78
        w("")
        w("Results")
        w(line)
        w(
            f"{'raw Celery ' + str(CHAIN_HOPS) + '-hop chain, ' + str(len(r.chain)) + ' chains':<44}"
            f"{'p50 / p99':>12}{_fmt_ms(chain_p50):>12} / {_fmt_ms(percentile(r.chain, 0.99))}"
        )
        w(
            f"{'raw Celery no-op tasks, ' + f'{o.noops:,}' + ' tasks, 1 worker':<56}{_fmt_rate(self.noop_rate):>12}"
        )
        if r.noop_worker_cpu is not None:
            w(f"{'  worker CPU per no-op task':<56}{_fmt_ms(r.noop_worker_cpu / o.noops):>12}")
        w(line)
        w(
            f"{'saga checkout -> approved, ' + str(len(lat.orders)) + ' orders at ' + f'{o.rate:g}/s':<44}"
            f"{'p50 / p99':>12}{_fmt_ms(saga_p50):>12} / {_fmt_ms(percentile(lat.latencies, 0.99))}"
        )
        calls = [t.returned - t.called for t in lat.orders]
        w(
            f"{'  checkout in this process (start, add, checkout) p50':<56}{_fmt_ms(percentile(calls, 0.5)):>12}"
        )
        w(
            f"{'  approved / rejected / unfinished':<56}"
            f"{f'{len(lat.approved)} / {len(lat.rejected)} / {lat.timed_out}':>12}"
        )
        w(line)
        w(
            f"{'saga throughput, ' + f'{o.orders:,}' + ' orders, 1 worker':<56}"
            f"{f'{thr.orders_per_second:,.1f} orders/s':>12}"
        )
        w(
            f"{'  all submitted in / all finished in':<56}"
            f"{f'{thr.submitted - thr.began:.2f} s / {thr.ended - thr.began:.2f} s':>12}"
        )
        w(
            f"{'  checkout -> approved under that load, p50 / p99':<56}"
            f"{_fmt_ms(percentile(thr.latencies, 0.5)):>12} / {_fmt_ms(percentile(thr.latencies, 0.99))}"
        )
        w(
            f"{'  approved / rejected / unfinished':<56}"
            f"{f'{len(thr.approved)} / {len(thr.rejected)} / {thr.timed_out}':>12}"
        )
        w(f"{'  Celery tasks per order (outbox deliveries)':<56}{tasks_per_order:>12.1f}")
        w("    " + ", ".join(f"{name.split('.', 1)[-1]} {n:g}" for name, n in r.deliveries_by_event.items()))
        if r.celery_tasks_per_order is not None:
            w(f"{'  messaging.deliver tasks the worker ran per order':<56}{r.celery_tasks_per_order:>12.1f}")
        if r.sessions_per_delivery is not None:
            w(f"{'  PostgreSQL sessions opened per delivery':<56}{r.sessions_per_delivery:>12.2f}")
        if thr.worker_cpu is not None and thr.finished:
            w(
                f"{'  worker CPU per order / per delivery':<56}"
                f"{_fmt_ms(thr.worker_cpu / len(thr.finished)):>12} / "
                f"{_fmt_ms(thr.worker_cpu / len(thr.finished) / max(tasks_per_order, 1))}"
            )
            w(
                f"{'  worker CPU busy (of ' + str(CONCURRENCY) + ' processes)':<56}"
                f"{thr.worker_cpu / (thr.ended - thr.began) / CONCURRENCY:>12.0%}"
            )
        w(f"{'  this process CPU (checkouts, relay, polling)':<56}{thr.process_cpu:>10.2f} s")
        if thr.machine_busy is not None:
            w(f"{'  machine CPU busy (' + str(os.cpu_count()) + ' cores)':<56}{thr.machine_busy:>12.0%}")
        w(f"{'raw Celery throughput allows':<56}{f'{allows:,.1f} orders/s':>12}")
        self._report_handlers(lat, thr, saga_p50)
        w(line)
        w("Ratios")
        w(f"{'  saga p50 / raw ' + str(CHAIN_HOPS) + '-hop chain p50':<56}{latency_factor:>11.1f}x")
        w(f"{'  saga orders/s / what raw Celery allows':<56}{throughput_ratio:>12.1%}")
        w(line)
        w("Targets")
        w(
            f"  {'saga p50 <= 10x raw chain p50':<40}"
            f"{f'{_fmt_ms(saga_p50)} = {latency_factor:.1f}x':>22}  {_verdict(latency_factor <= TARGET_LATENCY_FACTOR)}"
        )
        w(
            f"  {'saga orders/s >= 50% of raw allows':<40}"
            f"{f'{thr.orders_per_second:,.1f}/s = {throughput_ratio:.0%}':>22}  "
            f"{_verdict(throughput_ratio >= TARGET_THROUGHPUT_RATIO)}"
        )
        w(
            f"  (raw allows = {_fmt_rate(self.noop_rate)} no-op tasks / {tasks_per_order:.1f} tasks per order; "
            f"latency polled every {LATENCY_POLL_SECONDS * 1000:g} ms)"
        )

    def _report_handlers(self, lat: Phase, thr: Phase, saga_p50: float) -> None:
        """Where an order's time goes inside the worker: every handler's time per delivery, as the
        kernel logs it (inbox, handler, commit, and the relay of what it published)."""
        w = self.write
        if not (lat.handler_ms or thr.handler_ms):
            return
        w("-" * 78)
        w("time per delivery in the worker (its log: inbox + handler + commit + relay)")
        w(f"{'':<48}{'steady':>10}{'throughput phase':>20}")
        w(f"{'  saga step / handler':<48}{'p50':>10}{'n':>6}{'p50':>9}{'total':>9}")
        others = sorted(
            (set(lat.handler_ms) | set(thr.handler_ms)) - set(SAGA_STEPS),
            key=lambda h: -sum(thr.handler_ms.get(h, [])),
        )
        for step, handler in [(str(i), h) for i, h in enumerate(SAGA_STEPS, 1)] + [("", h) for h in others]:
            times = thr.handler_ms.get(handler, [])
            w(
                f"  {step:>1} {handler:<44}{_p50(lat.handler_ms.get(handler)):>10}{len(times):>6}"
                f"{_p50(times):>9}{sum(times) / 1000:>7.2f} s"
            )
        on_path = sum(percentile(lat.handler_ms.get(h, []), 0.5) for h in SAGA_STEPS) / 1000
        w(
            f"  steps 1-6 at the steady rate: {_fmt_ms(on_path)} of the saga's p50 {_fmt_ms(saga_p50)}; "
            f"the other {_fmt_ms(max(saga_p50 - on_path, 0.0))} are queues, sibling deliveries and polling"
        )

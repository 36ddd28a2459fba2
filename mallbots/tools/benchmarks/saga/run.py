"""The phases of `benchmark saga`: its workers, the raw Celery baselines, the mall, and the
saga's latency and throughput in each mode."""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import override_settings

from apps.ordering.models import Order
from mallbots.celery import app
from mallbots.kernel.ops.figures import percentile
from mallbots.tools.worker import CeleryWorker

from .. import cleanup
from ..common import Write, cleanup_step, database_line, fmt_ms, fmt_rate, machine_ticks, process_cpu
from ..tasks import queues
from . import report
from .mall import CUSTOMERS, PRODUCTS, BenchmarkMall, db_clock_offset, set_commit_times
from .results import ModeRun, Options, Phase, Results, Timed, hops

CONCURRENCY = 2
LATENCY_POLL_SECONDS = 0.010
THROUGHPUT_POLL_SECONDS = 0.050

Submit = Callable[[Callable[[Timed], None], threading.Event], None]


class SagaBenchmark:
    def __init__(self, options: Options, write: Write) -> None:
        self.options = options
        self.write = write
        self.run_id = uuid.uuid4().hex[:8]
        self.prefix = f"bench-{self.run_id}"
        self.redis_prefix = f"benchmark:saga:{self.run_id}:"
        self.results = Results()
        self.mall = BenchmarkMall(self.prefix)
        self.worker: CeleryWorker | None = None
        self.worker_names: list[str] = []
        self.workdir: Path | None = None
        self._lock = threading.Lock()
        self._clock_offset = 0.0
        self._redis: redis.Redis | None = None
        self._next_index = 0
        self._phase = 0

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        return self._redis

    @property
    def phases(self) -> int:
        return 4 + 3 * len(self.options.modes) - 1  # a worker per mode, its two phases

    def _step(self, text: str) -> None:
        self._phase += 1
        self.write(f"[{self._phase}/{self.phases}] {text}")

    def run(self) -> Results:
        self._header()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"mallbots-{self.prefix}-"))
        try:
            with override_settings(DEBUG=False):  # no query logging in this process either
                self._warn_about_other_workers()
                self.start_worker(self.options.modes[0])
                self.phase_chains()
                self.phase_noop()
                self.phase_seed()
                for mode in self.options.modes:
                    if self.worker_names and mode != self.options.modes[0]:
                        self.start_worker(mode)
                    run = self.results.runs[mode] = ModeRun(mode)
                    self.phase_latency(run)
                    self.phase_throughput(run)
        except BaseException as exc:
            if (
                self.worker is not None
                and self.worker.process is not None
                and not isinstance(exc, KeyboardInterrupt)
            ):
                self.write(f"      failed: {exc}")
                self.write("      last lines of the worker's log:")
                for line in self.worker.tail().splitlines():
                    self.write(f"        {line}")
            raise
        finally:
            self.finish()
        report.write_report(self.results, self.options, self.write)
        return self.results

    def _header(self) -> None:
        o = self.options
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        self.write(f"MallBots saga benchmark, run {self.run_id}")
        self.write(database_line())
        self.write(f"  broker    {app.connection().as_uri()}")
        self.write(
            f"  one worker at a time: every queue ({len(queues())}), concurrency {CONCURRENCY} prefork, beat; "
            f"{os.cpu_count()} CPU cores, load average {load:.2f}"
        )
        self.write(
            f"  modes {', '.join(o.modes)}, each on a worker started with MALLBOTS_SAGA set to it: "
            f"{o.rate:g} checkouts/s for {o.seconds:g} s, then {o.orders:,} checkouts at once from "
            f"{o.threads} threads; DEBUG query logging off"
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

    # -- the worker of each mode --

    def start_worker(self, mode: str) -> None:
        assert self.workdir is not None
        if self.worker is not None:
            self.write(f"      worker pid {self.worker.pid} {self.worker.stop()}")
        name = f"{self.prefix}-{mode}@{socket.gethostname()}"
        self._step(f"starting a worker with MALLBOTS_SAGA={mode} ({name}) ...")
        self.worker = CeleryWorker(
            name,
            queues(),
            self.workdir / f"worker-{mode}.log",
            concurrency=CONCURRENCY,
            env={
                "MALLBOTS_SAGA": mode,
                "DEBUG": "false",  # no query logging: no deployment pays for it
                "MESSAGING_PROFILE": "true" if self.options.profile else "false",
            },
        )
        self.worker_names.append(name)
        t0 = time.perf_counter()
        self.worker.start()
        self.write(f"      worker pid {self.worker.pid} ready in {time.perf_counter() - t0:.1f} s")

    # -- raw Celery: chains as long as each mode's critical path, and the task rate --

    def phase_chains(self) -> None:
        n = self.options.chains
        lengths = sorted({hops(mode) for mode in self.options.modes})
        names = queues()
        key = f"{self.redis_prefix}chain"
        self._step(
            f"raw Celery chains of {' and '.join(map(str, lengths))} hops across the queues "
            f"(the saga's hops in each mode), {n} of each one at a time ..."
        )
        for length in lengths:
            chain = self.results.chains[length] = []
            for i in range(n):
                first = names[(i + length - 1) % len(names)]
                app.send_task(
                    "benchmark.hop", args=[length - 1, time.time(), key, i], queue=first, routing_key=first
                )
                reply = self.redis.blpop([key], timeout=30)
                if reply is None:
                    raise RuntimeError(f"a {length}-hop chain did not finish within 30 s")
                if i > 0:  # the first one warms the worker's processes up
                    chain.append(float(reply[1]))
            self.write(
                f"      {length} hops: p50 {fmt_ms(percentile(chain, 50))}, p99 {fmt_ms(percentile(chain, 99))}"
            )

    def phase_noop(self) -> None:
        assert self.worker is not None
        n = self.options.noops
        names = queues()
        key = f"{self.redis_prefix}noop"
        self._step(f"raw Celery: {n:,} no-op tasks across the queues ...")
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
            f"      {fmt_rate(report.noop_rate(self.results, self.options))} (sent in "
            f"{self.results.noop_sent:.2f} s, all run in {self.results.noop_elapsed:.2f} s)"
        )

    # -- the mall --

    def phase_seed(self) -> None:
        needed = self.options.orders_per_mode * len(self.options.modes)
        self._step(
            f"seeding a mall named {self.prefix}: 1 store, {len(PRODUCTS)} products, 1 bot, "
            f"{CUSTOMERS} customers, {needed:,} payments ..."
        )
        t0 = time.perf_counter()
        self.mall.seed(needed)
        self._wait_settled([self.mall.seed_correlation], timeout=60.0, what="the seed")
        self.write(
            f"      seeded and its messages handled (caches of baskets, depot, payments, ...) "
            f"in {time.perf_counter() - t0:.2f} s"
        )

    def _checkout(self) -> Timed:
        with self._lock:
            index, self._next_index = self._next_index, self._next_index + 1
        return self.mall.checkout(index)

    def _drive(self, submit: Submit, *, poll: float, timeout: float) -> Phase:
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
            finally:
                connections.close_all()  # the connections of this thread

        cpu0, ticks0, worker0 = process_cpu(), machine_ticks(), self.worker.cpu_seconds()
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
        worker1, ticks1 = self.worker.cpu_seconds(), machine_ticks()
        phase.process_cpu = process_cpu() - cpu0
        if worker0 is not None and worker1 is not None:
            phase.worker_cpu = worker1 - worker0
        if ticks0 and ticks1 and ticks1[1] > ticks0[1]:
            phase.machine_busy = (ticks1[0] - ticks0[0]) / (ticks1[1] - ticks0[1])
        set_commit_times(phase.orders, self._clock_offset)
        return phase

    # -- each mode: latency at a steady rate, then sustained throughput --

    def phase_latency(self, run: ModeRun) -> None:
        assert self.worker is not None
        o = self.options
        count = math.ceil(o.seconds * o.rate)
        self._clock_offset = db_clock_offset()
        self._step(
            f"{run.mode}: one warm-up checkout, then {count:,} at {o.rate:g}/s for {o.seconds:g} s ..."
        )
        warm = self._drive(lambda add, stop: add(self._checkout()), poll=LATENCY_POLL_SECONDS, timeout=30.0)
        if not warm.approved:
            raise RuntimeError(f"the warm-up order was not approved: {warm.orders[0].status}")
        run.warm_up = warm.orders[0].latency
        self.write(
            f"      warm-up approved in {fmt_ms(run.warm_up)}; polling the orders every {LATENCY_POLL_SECONDS * 1000:g} ms"
        )

        def submit(add: Callable[[Timed], None], stop: threading.Event) -> None:
            start = time.monotonic()
            for k in range(count):
                delay = start + k / o.rate - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    return
                add(self._checkout())

        log_at = self.worker.log_size()
        phase = run.latency = self._drive(submit, poll=LATENCY_POLL_SECONDS, timeout=30.0)
        lat = phase.latencies
        self.write(
            f"      {len(phase.approved):,} approved, {len(phase.rejected)} rejected, {phase.timed_out} unfinished; "
            f"p50 {fmt_ms(percentile(lat, 50))}, p99 {fmt_ms(percentile(lat, 99))}"
        )
        self._wait_settled(
            [t.order_id for t in phase.orders], timeout=60.0, what="the latency phase's orders"
        )
        phase.handler_ms = self.worker.handler_times(log_at)
        phase.profiles = self.worker.delivery_profiles(log_at)

    def phase_throughput(self, run: ModeRun) -> None:
        assert self.worker is not None
        o = self.options
        self._step(f"{run.mode}: {o.orders:,} checkouts from {o.threads} threads at once ...")
        before = self.worker.tasks_run()
        sessions_before = _sessions()
        log_at = self.worker.log_size()
        left = iter(range(o.orders))

        def submit(add: Callable[[Timed], None], stop: threading.Event) -> None:
            def work() -> None:
                try:
                    while not stop.is_set():
                        with self._lock:
                            more = next(left, None) is not None
                        if not more:
                            return
                        add(self._checkout())
                finally:
                    connections.close_all()

            pool = [threading.Thread(target=work, daemon=True) for _ in range(o.threads)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()

        phase = run.throughput = self._drive(
            submit, poll=THROUGHPUT_POLL_SECONDS, timeout=max(120.0, o.orders * 0.5)
        )
        self.write(
            f"      {len(phase.approved):,} approved, {len(phase.rejected)} rejected, {phase.timed_out} unfinished "
            f"in {phase.ended - phase.began:.2f} s (submitted in {phase.submitted - phase.began:.2f} s): "
            f"{phase.orders_per_second:,.1f} orders/s"
        )
        ids = [t.order_id for t in phase.orders]
        self._wait_settled(ids, timeout=60.0, what="the throughput phase's orders")
        self._count_deliveries(run, ids)
        after = self.worker.tasks_run()
        sessions_after = _sessions()
        deliveries = run.deliveries_per_order * len(ids)
        if sessions_before is not None and sessions_after is not None and deliveries:
            run.sessions_per_delivery = (sessions_after - sessions_before) / deliveries
        if before is not None and after is not None and ids:
            delivered = after.get("messaging.deliver", 0) - before.get("messaging.deliver", 0)
            run.celery_tasks_per_order = delivered / len(ids)
        phase.handler_ms = self.worker.handler_times(log_at)
        phase.profiles = self.worker.delivery_profiles(log_at)

    def _count_deliveries(self, run: ModeRun, order_ids: list[str]) -> None:
        """The Celery deliveries (handler invocations) of the orders' messages: one per message
        published under the order's id, from the checkout on (events, commands and replies), and
        subscriber."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.name, count(*) FROM messaging_delivery d JOIN messaging_message m "
                "ON m.message_id = d.message_id WHERE m.correlation_id = ANY(%s) GROUP BY d.name",
                [order_ids],
            )
            by_message = {name: float(total) / len(order_ids) for name, total in cursor.fetchall()}
        run.deliveries_by_message = dict(sorted(by_message.items(), key=lambda kv: (-kv[1], kv[0])))
        run.deliveries_per_order = sum(by_message.values())

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

    def cleanup(self) -> None:
        self.write("cleanup ...")
        removed: list[str] = []
        with cleanup_step(self.write, "database"):
            if connection.in_atomic_block or not connection.is_usable():
                connection.close()
            with transaction.atomic(), connection.cursor() as cursor:
                removed += cleanup.clean_messages(cursor, self.mall.correlations(), self.write)
        with cleanup_step(self.write, "redis"):
            # The run's keys, and each worker's remote-control mailbox, named after it.
            patterns = [f"{self.redis_prefix}*", *(f"*{name}*" for name in self.worker_names)]
            removed.append(f"{cleanup.clean_redis(self.redis, patterns)} redis keys")
            stray = cleanup.remove_queued_tasks(self.redis, set(self.mall.correlations()))
            if stray:
                removed.append(f"{stray:,} queued tasks of this run")
        self.write(f"      removed {', '.join(removed)}")
        if self.mall.order_ids or self.mall.customers:
            self.write(
                f"      kept: the contexts' data of this run, named {self.prefix} (store, products, bot, "
                f"customers, {len(self.mall.payments):,} payments, {len(self.mall.order_ids):,} baskets, their "
                "orders, sagas and shopping lists)"
            )


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

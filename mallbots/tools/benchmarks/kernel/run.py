"""The phases of `benchmark kernel` and its cleanup."""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time
import uuid
from typing import Any

import psycopg
import redis
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from mallbots.celery import app
from mallbots.kernel.eventstore import store
from mallbots.kernel.messaging import reconcile, relay
from mallbots.kernel.messaging.api import Envelope, publish
from mallbots.kernel.messaging.transport import DELIVER_TASK

from ..common import Write, cleanup_step, database_line, fmt_ms, fmt_rate
from ..contracts import CounterIncremented
from ..domain import Incremented
from ..models import CounterView
from . import report
from .measure import LoadTime, Options, Rate, Results, run_threads
from .report import cpu_note
from .wiring import (
    HANDLER,
    RELAY_QUEUE,
    SNAPSHOT_EVERY,
    STREAM_TYPE,
    counters,
    increment,
    unsnapshotted,
    wire,
)

# A scratch queue of raw publishing, which no worker consumes.
RAW_QUEUE = "benchmark.raw"


def _conninfo() -> str:
    params = connection.settings_dict
    parts = {
        "dbname": params.get("NAME"),
        "user": params.get("USER"),
        "password": params.get("PASSWORD"),
        "host": params.get("HOST"),
        "port": params.get("PORT"),
    }
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v})


class KernelBenchmark:
    def __init__(self, options: Options, write: Write) -> None:
        self.options = options
        self.write = write
        self.run_id = uuid.uuid4().hex[:8]
        self.prefix = f"bench-{self.run_id}-"
        self.scratch_table = f"benchmark_scratch_{self.run_id}"
        self.results = Results()
        self._redis: redis.Redis | None = None

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        return self._redis

    # -- orchestration --

    def run(self) -> Results:
        wire()
        self._header()
        overrides = override_settings(
            # Query logging (DEBUG) is a development aid that no deployment pays for.
            DEBUG=False,
            # Measure the database path of commands; the relay is measured on its own.
            MESSAGING_RELAY_ON_COMMIT="off",
            EVENTSTORE_SNAPSHOT_EVERY={
                **settings.EVENTSTORE_SNAPSHOT_EVERY,
                STREAM_TYPE: SNAPSHOT_EVERY,
            },
        )
        try:
            with overrides:
                self.phase_raw()
                self.phase_commands()
                self.phase_loads()
                self.phase_relay()
                self.phase_reconcile()
        finally:
            self.cleanup()
        report.write_report(self.results, self.options, self.write)
        return self.results

    def _header(self) -> None:
        o = self.options
        self.write(f"MallBots kernel benchmark, run {self.run_id}")
        self.write(database_line("synchronous_commit"))
        self.write(f"  broker    {app.connection().as_uri()}")
        self.write(
            f"  {o.threads} threads, {o.seconds:g} s per phase, {os.cpu_count()} CPU cores, "
            f"DEBUG query logging off, relay-on-commit off, snapshots every {SNAPSHOT_EVERY}"
        )

    # -- 1. raw limit --

    def phase_raw(self) -> None:
        o = self.options
        conninfo = _conninfo()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                f"CREATE TABLE {self.scratch_table} (id bigserial PRIMARY KEY, "
                "stream_id text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        sql = f"INSERT INTO {self.scratch_table} (stream_id, data) VALUES (%s, %s::jsonb)"

        def setup(index: int) -> psycopg.Connection[Any]:
            return psycopg.connect(conninfo)

        def op(conn: psycopg.Connection[Any], i: int) -> None:
            conn.execute(sql, (self.prefix, '{"counter_id": "x", "by": 1}'))
            conn.commit()

        def teardown(conn: psycopg.Connection[Any] | None) -> None:
            if conn is not None:
                conn.close()

        self.write(f"[1/5] raw psycopg INSERT+COMMIT, {o.threads} threads, {o.seconds:g} s ...")
        self.results.raw_threads = run_threads(o.threads, o.seconds, setup, op, teardown)
        self.write(f"      {fmt_rate(self.results.raw_threads.per_second)}")
        self.write(f"[1/5] raw psycopg INSERT+COMMIT, 1 thread, {o.seconds:g} s ...")
        self.results.raw_single = run_threads(1, o.seconds, setup, op, teardown)
        self.write(f"      {fmt_rate(self.results.raw_single.per_second)}")
        self._drop_scratch_table()

    def _drop_scratch_table(self) -> None:
        with psycopg.connect(_conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {self.scratch_table}")

    # -- 2. event-sourced commands --

    def _commands(self, seconds: float, label: str) -> Rate:
        """Event-sourced commands on `threads` threads for `seconds`, each thread on counters of its own."""
        o = self.options

        def setup(index: int) -> list[str]:
            ids = [f"{self.prefix}{label}-{index}-{n}" for n in range(o.counters_per_thread)]
            for counter_id in ids:  # warm-up, not measured: starts every counter
                increment(counter_id)
            return ids

        def op(ids: list[str], i: int) -> None:
            increment(ids[i % len(ids)])

        def teardown(state: Any) -> None:
            connections.close_all()  # this thread's connections only

        return run_threads(o.threads, seconds, setup, op, teardown)

    def phase_commands(self) -> None:
        o = self.options
        self.write(
            f"[2/5] event-sourced commands, {o.threads} threads x {o.counters_per_thread} counters, "
            f"{o.seconds:g} s ..."
        )
        rate = self._commands(o.seconds, "cmd")
        self.results.commands = rate
        with CaptureQueriesContext(connection) as queries:
            increment(f"{self.prefix}cmd-0-0")
        self.results.statements_per_command = len(queries.captured_queries)
        self.write(
            f"      {fmt_rate(rate.per_second)}, p50 {fmt_ms(rate.percentile(50))}, "
            f"p99 {fmt_ms(rate.percentile(99))}, {cpu_note(rate)}"
        )
        # Checks that the path really ran: one event, one read-model update, one outbox row.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM eventstore_event WHERE stream_type = %s AND stream_id LIKE %s",
                [STREAM_TYPE, f"{self.prefix}cmd-%"],
            )
            events = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM messaging_message WHERE name = %s AND partition_key LIKE %s "
                "AND stream_position IS NULL",
                [CounterIncremented.event_name, f"{self.prefix}cmd-%"],
            )
            outbox = cursor.fetchone()[0]
        views = CounterView.objects.filter(id__startswith=f"{self.prefix}cmd-").count()
        total = sum(
            CounterView.objects.filter(id__startswith=f"{self.prefix}cmd-").values_list("value", flat=True)
        )
        self.write(
            f"      stored {events:,} events, {outbox:,} unsent outbox rows, "
            f"{views:,} read-model rows summing to {total:,}"
        )
        if not (events == outbox == total):
            raise RuntimeError("events, outbox rows and read model disagree: the benchmark path is broken")
        self._delete_outbox()  # phase 4 fills its own

    # -- 3. aggregate load time --

    def phase_loads(self) -> None:
        for size in self.options.sizes:
            self.write(f"[3/5] load time, stream of {size:,} events: writing ...")
            counter_id = f"{self.prefix}load-{size}"
            t0 = time.perf_counter()
            self._write_stream(counter_id, size)
            written = time.perf_counter() - t0
            snapshot = self._snapshot_version(counter_id)
            with_snap, without, loads = self._time_loads(counter_id, size)
            self.results.loads.append(LoadTime(size, with_snap, without, snapshot, loads))
            self.write(
                f"      written in {written:.2f} s (snapshot at "
                f"{'v' + str(snapshot) if snapshot else 'none'}); median of {loads} loads: "
                f"{fmt_ms(with_snap)} with snapshots, {fmt_ms(without)} without"
            )

    def _write_stream(self, counter_id: str, size: int, batch: int = 2_000) -> None:
        """size - 1 events appended in bulk (no dispatch), then one real command: it loads
        them, appends event `size` and writes the snapshot as the kernel does."""
        version = 0
        with transaction.atomic():
            while version < size - 1:
                n = min(batch, size - 1 - version)
                store.append(STREAM_TYPE, counter_id, version, [Incremented(counter_id=counter_id)] * n)
                version += n
        increment(counter_id)

    def _snapshot_version(self, counter_id: str) -> int | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version FROM eventstore_snapshot WHERE stream_type = %s AND stream_id = %s",
                [STREAM_TYPE, counter_id],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def _time_loads(self, counter_id: str, size: int) -> tuple[float, float, int]:
        budget = max(1.0, self.options.seconds / 2)
        results = []
        for repo in (counters, unsnapshotted):
            times: list[float] = []
            begun = time.perf_counter()
            repo.find(counter_id)  # warm-up
            while len(times) < 25 and (len(times) < 3 or time.perf_counter() - begun < budget):
                t0 = time.perf_counter()
                counter = repo.find(counter_id)
                times.append(time.perf_counter() - t0)
                if counter is None or counter.value != size:
                    raise RuntimeError(f"{counter_id} loaded wrong: {counter and counter.value}")
            results.append(times)
        return (
            statistics.median(results[0]),
            statistics.median(results[1]),
            min(len(results[0]), len(results[1])),
        )

    # -- 4. relay --

    def phase_relay(self) -> None:
        n = self.options.messages
        self._delete_outbox()  # the rows of the load phase's commands
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM messaging_message WHERE stream_position IS NULL")
            self.results.other_unsent_rows = cursor.fetchone()[0]
        if self.results.other_unsent_rows:
            self.write(
                f"      note: {self.results.other_unsent_rows:,} unsent outbox rows of other producers "
                "are waiting; the relay will append them too"
            )
        self.write(f"[4/5] relay: writing {n:,} outbox messages ...")
        t0 = time.perf_counter()
        written = 0
        while written < n:
            with transaction.atomic():
                for _ in range(min(1_000, n - written)):
                    publish(
                        CounterIncremented(counter_id=f"{self.prefix}relay-{written % 100}", value=written)
                    )
                    written += 1
        self.write(f"      written in {time.perf_counter() - t0:.2f} s")

        self.write(f"[4/5] raw Celery publish of {n:,} messages to a scratch queue ...")
        self.results.raw_publish = self._raw_publish(n)
        self.write(f"      {fmt_rate(self.results.raw_publish.per_second)}")

        self.write(f"[4/5] relay.relay_pending draining {n:,} messages ...")
        t0 = time.perf_counter()
        sent = relay.relay_pending(max_seconds=max(60.0, n / 100))
        elapsed = time.perf_counter() - t0
        self.results.relay = Rate(sent, elapsed)
        queued = self.redis.llen(self._key(RELAY_QUEUE))
        self.write(
            f"      {fmt_rate(self.results.relay.per_second)} ({sent:,} rows sent, "
            f"{queued:,} messages on the scratch queue)"
        )
        if queued < n:
            self.write(
                f"      warning: only {queued:,} of {n:,} reached the scratch queue "
                "(another relay, e.g. a worker's sweep, took some rows)"
            )

    def _raw_publish(self, n: int) -> Rate:
        template = Envelope(
            id="",
            name=CounterIncremented.event_name,
            version=1,
            partition_key=f"{self.prefix}relay-0",
            position=0,
            correlation_id=str(uuid.uuid4()),
            causation_id=None,
            occurred_at="2026-01-01T00:00:00+00:00",
            producer="benchmark",
            payload={"counter_id": f"{self.prefix}relay-0", "value": 0},
        ).to_dict()
        with app.producer_or_acquire() as producer:
            t0 = time.perf_counter()
            for i in range(n):
                envelope = {**template, "id": str(uuid.uuid4()), "position": i}
                app.send_task(
                    DELIVER_TASK,
                    args=[HANDLER, envelope, None, 0],
                    queue=RAW_QUEUE,
                    routing_key=RAW_QUEUE,
                    producer=producer,
                    retry=False,
                    task_id=f"{envelope['id']}:{HANDLER}:0",
                )
            elapsed = time.perf_counter() - t0
        queued = self.redis.llen(self._key(RAW_QUEUE))
        if queued != n:
            raise RuntimeError(f"raw publish: {queued} of {n} messages reached the scratch queue")
        return Rate(n, elapsed)

    # -- cleanup --

    def _key(self, name: str) -> str:
        prefix: str = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
        return prefix + name

    def _redis_keys(self) -> list[str]:
        """The scratch queues' lists and the binding tables kombu keeps for their exchanges."""
        keys = []
        for queue in (RELAY_QUEUE, RAW_QUEUE):
            keys += [
                self._key(queue),
                self._key(f"_kombu.binding.{queue}"),
                self._key(f"_kombu.binding_permanent.{queue}"),
            ]
            # priority sub-queues, should anything have sent with a priority
            keys += [k.decode() for k in self.redis.scan_iter(match=self._key(f"{queue}\x06\x16*"))]
        return keys

    def _delete_outbox(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH m AS (DELETE FROM messaging_message WHERE name = %s AND partition_key LIKE %s "
                " RETURNING message_id) "
                "DELETE FROM messaging_delivery WHERE message_id IN (SELECT message_id FROM m)",
                [CounterIncremented.event_name, f"{self.prefix}%"],
            )
            return cursor.rowcount

    # -- 5. reconciliation --

    def phase_reconcile(self) -> None:
        n = self.options.messages
        self._delete_outbox()
        self.write(
            f"[5/5] reconciliation: {n:,} deliveries in the scratch queue, then lost by the broker ..."
        )
        written = 0
        while written < n:
            with transaction.atomic():
                for _ in range(min(1_000, n - written)):
                    publish(
                        CounterIncremented(counter_id=f"{self.prefix}lost-{written % 100}", value=written)
                    )
                    written += 1
        relay.relay_pending(["benchmark"], max_seconds=max(60.0, n / 100))
        scratch = self._key(RELAY_QUEUE)
        self.redis.delete(scratch)
        self._make_due(now=True)
        t0 = time.perf_counter()
        sent = 0
        while sent < n:
            batch = reconcile.sweep_all()
            if not batch:
                break
            sent += batch
        self.results.reconcile = Rate(sent, time.perf_counter() - t0)
        self.write(f"      {fmt_rate(self.results.reconcile.per_second)} ({sent:,} sent again)")

        deadline = settings.MESSAGING_REDELIVER_AFTER_SECONDS
        self.write(
            f"[5/5] recovery under load: the broker loses them again while {self.options.threads} threads "
            f"run commands; the sweep runs every {settings.MESSAGING_SWEEP_SECONDS:g} s, deadline {deadline:g} s ..."
        )
        self.redis.delete(scratch)
        self._make_due(now=False)
        lost_at = time.perf_counter()
        recovered: list[float] = []
        stop = threading.Event()

        def sweeping() -> None:
            try:
                while not stop.is_set() and self.redis.llen(scratch) < n:
                    reconcile.sweep_all()
                    stop.wait(settings.MESSAGING_SWEEP_SECONDS)
                recovered.append(time.perf_counter() - lost_at)
            finally:
                connections.close_all()

        sweeper = threading.Thread(target=sweeping, daemon=True)
        sweeper.start()
        self.results.commands_during_recovery = self._commands(
            max(self.options.seconds, deadline + 5), "lost"
        )
        sweeper.join(120)
        stop.set()
        self.results.recovery_seconds = recovered[0] if recovered else float("inf")
        self.write(
            f"      every lost delivery sent again {self.results.recovery_seconds:.1f} s after the loss; "
            f"{fmt_rate(self.results.commands_during_recovery.per_second)} commands meanwhile"
        )

    def _make_due(self, *, now: bool) -> None:
        """As the relay leaves a delivery it just sent: due now (now=True), or after the deadline."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE messaging_delivery SET sent_at = statement_timestamp() - interval '1 hour' * %s, "
                " due_at = statement_timestamp() + make_interval(secs => %s) * %s "
                "WHERE handler = %s AND status = 'pending'",
                [int(now), settings.MESSAGING_REDELIVER_AFTER_SECONDS, int(not now), HANDLER],
            )

    def cleanup(self) -> None:
        """Remove everything this run wrote. Runs after a failure or Ctrl-C too; a second
        Ctrl-C is ignored while it runs."""
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            self.write("cleanup ...")
            removed: list[str] = []
            with cleanup_step(self.write, "database"):
                if connection.in_atomic_block or not connection.is_usable():
                    connection.close()
                with connection.cursor() as cursor:
                    like = f"{self.prefix}%"
                    for label, sql, params in (
                        (
                            "events",
                            "DELETE FROM eventstore_event WHERE stream_type = %s AND stream_id LIKE %s",
                            [STREAM_TYPE, like],
                        ),
                        (
                            "snapshots",
                            "DELETE FROM eventstore_snapshot WHERE stream_type = %s AND stream_id LIKE %s",
                            [STREAM_TYPE, like],
                        ),
                        ("read-model rows", "DELETE FROM benchmarks_counterview WHERE id LIKE %s", [like]),
                        (
                            "deliveries",
                            "DELETE FROM messaging_delivery WHERE handler = %s OR (name = %s AND partition_key LIKE %s)",
                            [HANDLER, CounterIncremented.event_name, like],
                        ),
                        (
                            "stream messages",
                            "DELETE FROM messaging_message WHERE name = %s AND partition_key LIKE %s",
                            [CounterIncremented.event_name, like],
                        ),
                        ("subscriber", "DELETE FROM messaging_subscriber WHERE name = %s", [HANDLER]),
                    ):
                        cursor.execute(sql, params)
                        removed.append(f"{cursor.rowcount:,} {label}")
            with cleanup_step(self.write, "scratch table"):
                self._drop_scratch_table()
                removed.append("scratch table")
            with cleanup_step(self.write, "redis"):
                deleted = self.redis.delete(*self._redis_keys())
                removed.append(f"{deleted} redis keys")
            self.write(f"      removed {', '.join(removed)}")
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    # -- report --

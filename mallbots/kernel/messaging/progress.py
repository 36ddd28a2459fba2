"""Is messaging making progress? The figures for monitors (/health/progress), /metrics and the
staff dashboard, read from PostgreSQL (a few indexed aggregates) and the broker's queues.

Progress is kept apart from readiness: one stuck message says that something needs a look,
not that a web process cannot serve requests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .models import Subscriber
from .transport import queue_backlog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stuck:
    handler: str
    message: str  # event name and message id
    waiting_seconds: float
    why: str


@dataclass(frozen=True)
class SubscriberLag:
    name: str
    state: str
    open: int  # deliveries not handled yet
    oldest_seconds: float  # age of the oldest of them (0 when none)


@dataclass(frozen=True)
class Progress:
    outbox_unsent: int  # published, not appended to their stream yet
    outbox_lag_seconds: float  # age of the oldest of them, 0 when none
    pending: int  # deliveries not handled yet, not failed
    overdue: int  # handed to the broker over the redelivery deadline ago, not handled
    undelivered: int  # published longer than MESSAGING_MAX_UNDELIVERED_SECONDS ago, not handled
    retrying: int
    held: int
    stuck: tuple[Stuck, ...]  # held longer than MESSAGING_MAX_HELD_SECONDS
    dead_letters: int
    subscribers: tuple[SubscriberLag, ...] = field(default=())

    @property
    def catching_up(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.subscribers if s.state == Subscriber.State.CATCHING_UP)

    @property
    def outbox_ok(self) -> bool:
        return self.outbox_lag_seconds <= settings.MESSAGING_MAX_OUTBOX_LAG_SECONDS

    @property
    def dead_letters_ok(self) -> bool:
        return self.dead_letters <= settings.MESSAGING_MAX_DEAD_LETTERS

    def problems(self) -> list[str]:
        """Why messaging is not making progress, in words; empty when it is."""
        found = []
        if not self.outbox_ok:
            found.append(
                f"the outbox is {self.outbox_lag_seconds:.0f} s behind ({self.outbox_unsent} waiting)"
            )
        if self.undelivered:
            found.append(
                f"{self.undelivered} deliveries not handled {settings.MESSAGING_MAX_UNDELIVERED_SECONDS:g} s "
                "after publishing"
            )
        found += [f"{s.handler} <- {s.message}: {s.why} for {s.waiting_seconds:.0f} s" for s in self.stuck]
        if not self.dead_letters_ok:
            found.append(f"{self.dead_letters} dead letters")
        return found


_OUTBOX_SQL = (
    "SELECT count(*), coalesce(extract(epoch FROM statement_timestamp() - min(created_at)), 0)::float8 "
    "FROM messaging_message WHERE stream_position IS NULL"
)
# Open deliveries all have a due_at (the partial index); dead letters use the failed index.
_OPEN_SQL = (
    "SELECT handler, status, count(*), "
    " coalesce(extract(epoch FROM statement_timestamp() - min(created_at)), 0)::float8, "
    " count(*) FILTER (WHERE status = 'pending' AND coalesce(sent_at, created_at) "
    "  < statement_timestamp() - make_interval(secs => %s)), "
    " count(*) FILTER (WHERE created_at < statement_timestamp() - make_interval(secs => %s)) "
    "FROM messaging_delivery WHERE due_at IS NOT NULL GROUP BY handler, status"
)
_DEAD_SQL = "SELECT count(*) FROM messaging_delivery WHERE status = 'dead'"
_STUCK_SQL = (
    "SELECT d.handler, d.name, d.message_id::text, "
    " extract(epoch FROM statement_timestamp() - d.first_failed_at)::float8, d.last_error, p.status, p.id "
    "FROM messaging_delivery d "
    "LEFT JOIN messaging_partitioncursor c ON c.sequence = d.sequence AND c.partition_key = d.partition_key "
    "LEFT JOIN LATERAL (SELECT status, id FROM messaging_delivery p WHERE p.sequence = d.sequence "
    " AND p.partition_key = d.partition_key AND p.seq = coalesce(c.last, 0) + 1 LIMIT 1) p ON true "
    "WHERE d.status = 'held' AND d.first_failed_at < statement_timestamp() - make_interval(secs => %s) "
    "ORDER BY d.first_failed_at LIMIT 20"
)


def progress() -> Progress:
    with connection.cursor() as cursor:
        cursor.execute(_OUTBOX_SQL)
        unsent, lag = cursor.fetchone()
        cursor.execute(
            _OPEN_SQL,
            [settings.MESSAGING_REDELIVER_AFTER_SECONDS, settings.MESSAGING_MAX_UNDELIVERED_SECONDS],
        )
        open_rows = cursor.fetchall()
        cursor.execute(_DEAD_SQL)
        dead = cursor.fetchone()[0]
        cursor.execute(_STUCK_SQL, [settings.MESSAGING_MAX_HELD_SECONDS])
        stuck = tuple(_stuck(*row) for row in cursor.fetchall())
    by_status = {"pending": 0, "retrying": 0, "held": 0}
    lags: dict[str, tuple[int, float]] = {}
    overdue = undelivered = 0
    for handler, status, count, oldest, late, old in open_rows:
        by_status[status] += count
        overdue += late
        undelivered += old if status == "pending" else 0
        total, age = lags.get(handler, (0, 0.0))
        lags[handler] = (total + count, max(age, oldest))
    subscribers = tuple(
        SubscriberLag(name, state, *lags.get(name, (0, 0.0)))
        for name, state in Subscriber.objects.exclude(state=Subscriber.State.RETIRED)
        .order_by("name")
        .values_list("name", "state")
    )
    return Progress(
        outbox_unsent=unsent,
        outbox_lag_seconds=lag,
        pending=by_status["pending"],
        overdue=overdue,
        undelivered=undelivered,
        retrying=by_status["retrying"],
        held=by_status["held"],
        stuck=stuck,
        dead_letters=dead,
        subscribers=subscribers,
    )


def _stuck(
    handler: str,
    name: str,
    message_id: str,
    waiting: float,
    error: str,
    before: str | None,
    before_id: int | None,
) -> Stuck:
    why = error or "held"
    if before is not None:
        why += f" (delivery #{before_id}: {'a dead letter' if before == 'dead' else before})"
    return Stuck(handler, f"{name} {message_id}", waiting, why)


class MessagingStateCollector(Collector):
    """The progress figures as gauges, read at scrape time, and the broker's queue backlogs."""

    def collect(self) -> Iterator[Metric]:
        try:
            state = progress()
        except Exception:  # the database is down: /metrics still answers with the rest
            log.warning("messaging metrics: cannot read the messaging tables", exc_info=True)
            return
        yield GaugeMetricFamily(
            "mallbots_outbox_lag_seconds",
            "Age of the oldest message not appended to its stream yet (0 when none).",
            value=state.outbox_lag_seconds,
        )
        yield GaugeMetricFamily(
            "mallbots_outbox_unsent_messages",
            "Messages not appended to their stream yet.",
            value=state.outbox_unsent,
        )
        failed = GaugeMetricFamily(
            "mallbots_failed_deliveries",
            "Deliveries that failed, by status (dead = dead letters).",
            labels=["status"],
        )
        failed.add_metric(["dead"], state.dead_letters)
        failed.add_metric(["retrying"], state.retrying)
        failed.add_metric(["held"], state.held)
        yield failed
        yield GaugeMetricFamily("mallbots_dead_letters", "Dead letters to inspect.", value=state.dead_letters)
        yield GaugeMetricFamily(
            "mallbots_deliveries_overdue",
            "Deliveries handed to the broker longer than the redelivery deadline ago and not handled.",
            value=state.overdue,
        )
        yield GaugeMetricFamily(
            "mallbots_deliveries_undelivered",
            "Deliveries not handled MESSAGING_MAX_UNDELIVERED_SECONDS after publishing.",
            value=state.undelivered,
        )
        yield GaugeMetricFamily(
            "mallbots_deliveries_stuck",
            "Deliveries held longer than MESSAGING_MAX_HELD_SECONDS behind a missing predecessor.",
            value=len(state.stuck),
        )
        lag = GaugeMetricFamily(
            "mallbots_subscriber_lag", "Deliveries not handled yet, per subscriber.", labels=["subscriber"]
        )
        for subscriber in state.subscribers:
            lag.add_metric([subscriber.name], subscriber.open)
        yield lag
        try:
            backlog = queue_backlog()
        except Exception:
            log.warning("messaging metrics: cannot read the broker's queues", exc_info=True)
            return
        queues = GaugeMetricFamily(
            "mallbots_queue_backlog", "Messages waiting in each queue.", labels=["queue"]
        )
        for queue, count in sorted(backlog.items()):
            queues.add_metric([queue], count)
        yield queues

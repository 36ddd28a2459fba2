"""The figures of the staff dashboard, each with the admin list it comes from. Read through the
contexts' open-host queries and the messaging kernel's operations; a section shows only to
staff who may view the list behind it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from apps.depot import contracts as depot
from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import progress, queue_backlog
from mallbots.kernel.ops.figures import percentile

from .charts import Column, Series, legend, lines, stacked_bars

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    url: str = ""
    alarm: bool = False  # shown in red: something waits for staff


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    legend: SafeString
    summary: str  # the picture in words


# What became of the orders created in a minute, as the chart stacks them.
OUTCOMES = (
    Series("approved", "approved (and on: shopping, ready, completed)", "#3f7f3a"),
    Series("pending", "pending", "#2b5b84"),
    Series("rejected", "rejected", "#c62828"),
    Series("cancelled", "cancelled", "#d9822b"),
)
OUTCOME_OF = {"in-progress": "approved", "ready": "approved", "completed": "approved"}
LATENCY = (Series("p50", "p50", "#2b5b84"), Series("p95", "p95", "#d9822b"))
LATENCY_BUCKET = timedelta(minutes=5)


@dataclass(frozen=True)
class Dashboard:
    orders_today: tuple[Figure, ...] = ()
    in_flight: tuple[Figure, ...] = ()
    messaging: tuple[Figure, ...] = ()
    backlog: tuple[Figure, ...] = ()
    backlog_error: str = ""
    bots: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()


def admin_url(name: str, *args: str, **filters: str) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(filters)}" if filters else url


def dashboard_for(user: PermissionsMixin | AnonymousUser, now: datetime | None = None) -> Dashboard:
    now = timezone.localtime(now)
    sections: dict[str, object] = {}
    if user.has_perm("ordering.view_order"):
        sections.update(
            orders_today=_orders_today(now),
            in_flight=_in_flight(now),
            charts=(_orders_per_minute(now), _saga_latency(now)),
        )
    if user.has_perm("messaging.view_streammessage") and user.has_perm("messaging.view_faileddelivery"):
        sections["messaging"] = _messaging()
        sections["backlog"], sections["backlog_error"] = _backlog()
    if user.has_perm("depot.view_bot"):
        sections["bots"] = tuple(
            Figure(status, str(count), admin_url("depot_bot_changelist", status__exact=status))
            for status, count in depot.count_bots_by_status().items()
        )
    return Dashboard(**sections)  # type: ignore[arg-type]


def _orders_today(now: datetime) -> tuple[Figure, ...]:
    today = now.date().isoformat()
    counts = ordering.count_orders_by_status(
        created_since=now.replace(hour=0, minute=0, second=0, microsecond=0)
    )
    return tuple(
        Figure(
            status,
            str(count),
            admin_url("ordering_order_changelist", status__exact=status, created_at__date=today),
        )
        for status, count in counts.items()
    )


def _in_flight(now: datetime) -> tuple[Figure, ...]:
    flight = ordering.orders_in_flight()
    figures = [
        Figure(
            "orders in flight",
            str(flight.count),
            admin_url("ordering_order_changelist", status__in=",".join(flight.statuses)),
        )
    ]
    if flight.oldest is not None:
        age = now - flight.oldest.created_at
        figures.append(
            Figure(
                f"oldest: {flight.oldest.id} ({flight.oldest.status})",
                f"{_duration(age.total_seconds())} old",
                admin_url("ordering_order_change", flight.oldest.id),
            )
        )
    return tuple(figures)


def _orders_per_minute(now: datetime) -> Chart:
    """The last hour, a bar a minute, each order stacked by what became of it."""
    first = now.replace(second=0, microsecond=0) - timedelta(minutes=59)
    counts: dict[datetime, dict[str, float]] = {first + timedelta(minutes=i): {} for i in range(60)}
    for row in ordering.count_orders_per_minute(created_since=first):
        minute = timezone.localtime(row.minute).replace(second=0, microsecond=0)
        outcome = OUTCOME_OF.get(row.status, row.status)
        if minute in counts:
            counts[minute][outcome] = counts[minute].get(outcome, 0) + row.count
    columns = [
        Column(minute.strftime("%H:%M") if i % 10 == 0 or i == 59 else "", values, minute.strftime("%H:%M"))
        for i, (minute, values) in enumerate(counts.items())
    ]
    totals = {s.key: int(sum(c.values.get(s.key, 0) for c in columns)) for s in OUTCOMES}
    summary = f"{sum(totals.values())} orders in the last hour: " + ", ".join(
        f"{count} {key}" for key, count in totals.items()
    )
    return Chart(
        "Orders per minute, the last hour, by outcome",
        stacked_bars(columns, OUTCOMES, label=summary),
        legend(OUTCOMES),
        summary,
    )


def _saga_latency(now: datetime) -> Chart:
    """Checkout to approval or rejection: p50 and p95 of each five minutes of the last hour."""
    first = now - 12 * LATENCY_BUCKET
    buckets: list[list[float]] = [[] for _ in range(12)]
    for saga in ordering.saga_durations(ended_since=first):
        index = int((saga.ended_at - first) / LATENCY_BUCKET)
        buckets[min(max(index, 0), 11)].append(saga.seconds)
    columns = []
    for i, durations in enumerate(buckets):
        end = timezone.localtime(first + (i + 1) * LATENCY_BUCKET)
        values = {"p50": percentile(durations, 50), "p95": percentile(durations, 95)} if durations else {}
        columns.append(
            Column(
                end.strftime("%H:%M") if i % 3 == 2 else "",
                values,
                f"until {end:%H:%M}, {len(durations)} sagas",
            )
        )
    ended = sum(len(b) for b in buckets)
    every = sorted(d for b in buckets for d in b)
    summary = (
        f"{ended} sagas ended in the last hour: p50 {_duration(percentile(every, 50))}, "
        f"p95 {_duration(percentile(every, 95))}"
        if every
        else "No saga ended in the last hour."
    )
    return Chart(
        "Saga latency (checkout to approved or rejected), p50 and p95 per 5 minutes",
        lines(columns, LATENCY, label=summary, axis=_duration),
        legend(LATENCY),
        summary,
    )


def _messaging() -> tuple[Figure, ...]:
    state = progress()
    return (
        Figure(
            "outbox lag (oldest message not appended to its stream)",
            f"{_duration(state.outbox_lag_seconds)} ({state.outbox_unsent} waiting)",
            admin_url("messaging_streammessage_changelist", appended="no"),
        ),
        Figure(
            "deliveries not handled yet",
            f"{state.pending} ({state.overdue} overdue, {state.undelivered} stuck)",
            admin_url("messaging_delivery_changelist", status__exact="pending"),
            alarm=state.undelivered > 0,
        ),
        Figure(
            "dead letters",
            str(state.dead_letters),
            admin_url("messaging_faileddelivery_changelist", status__exact="dead"),
            alarm=state.dead_letters > 0,
        ),
        Figure(
            "retrying",
            str(state.retrying),
            admin_url("messaging_faileddelivery_changelist", status__exact="retrying"),
        ),
        Figure(
            "held behind a failure",
            f"{state.held} ({len(state.stuck)} stuck)",
            admin_url("messaging_faileddelivery_changelist", status__exact="held"),
            alarm=bool(state.stuck),
        ),
        Figure(
            "subscribers catching up",
            str(len(state.catching_up)),
            admin_url("messaging_subscriber_changelist", state__exact="catching_up"),
        ),
    )


def _backlog() -> tuple[tuple[Figure, ...], str]:
    try:
        backlog = queue_backlog()
    except Exception as exc:  # the broker down must not take the admin index with it
        log.warning("queue backlog unavailable: %s", exc)
        return (), f"broker unreachable: {exc.__class__.__name__}"
    return tuple(Figure(queue, str(count)) for queue, count in backlog.items()), ""


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"

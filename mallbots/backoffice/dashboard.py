"""The figures of the staff dashboard, each with the admin list it comes from. Read through the
contexts' open-host queries and the messaging kernel's operations; a section shows only to
staff who may view the list behind it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.urls import reverse
from django.utils import timezone

from apps.depot import contracts as depot
from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import progress, queue_backlog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class Dashboard:
    orders_today: tuple[Figure, ...] = ()
    in_flight: tuple[Figure, ...] = ()
    messaging: tuple[Figure, ...] = ()
    backlog: tuple[Figure, ...] = ()
    backlog_error: str = ""
    bots: tuple[Figure, ...] = ()


def admin_url(name: str, *args: str, **filters: str) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(filters)}" if filters else url


def dashboard_for(user: PermissionsMixin | AnonymousUser, now: datetime | None = None) -> Dashboard:
    now = timezone.localtime(now)
    sections: dict[str, object] = {}
    if user.has_perm("ordering.view_order"):
        sections.update(orders_today=_orders_today(now), in_flight=_in_flight(now))
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
        ),
        Figure(
            "dead letters",
            str(state.dead_letters),
            admin_url("messaging_faileddelivery_changelist", status__exact="dead"),
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
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"

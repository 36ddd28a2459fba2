"""Queries of the ordering context, on the order read model."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMinute

from mallbots.kernel.eventstore.models import Event

from .domain import OrderNotFound

# Re-exported: the model the selectors answer with, which contracts.py may not import itself.
from .models import Order as Order


def order_get(*, order_id: str) -> Order:
    try:
        return Order.objects.get(id=order_id)
    except Order.DoesNotExist:
        raise OrderNotFound()


def order_find(*, order_id: str) -> Order | None:
    """The order; None when there is no such order."""
    return Order.objects.filter(id=order_id).first()


def order_list_after(*, after_id: str = "", limit: int = 500) -> QuerySet[Order]:
    """Orders by id, `limit` of them after `after_id`."""
    return Order.objects.filter(id__gt=after_id).order_by("id")[:limit]


def order_list_stale(*, created_before: datetime, limit: int = 500) -> list[str]:
    """Ids of the choreographed orders still pending that were created before `created_before`,
    oldest first (an orchestrated order's saga times its own steps out)."""
    return list(
        Order.objects.filter(status=Order.Status.PENDING, created_at__lt=created_before, saga="choreography")
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )


IN_FLIGHT = (Order.Status.PENDING, Order.Status.APPROVED, Order.Status.IN_PROGRESS, Order.Status.READY)


def order_count_by_status(*, created_since: datetime) -> dict[str, int]:
    """How many orders created since `created_since` are in each status (every status named)."""
    counts = dict.fromkeys(Order.Status.values, 0)
    rows = (
        Order.objects.filter(created_at__gte=created_since)
        .values("status")
        .order_by()
        .annotate(n=Count("id"))
    )
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def order_list_in_flight() -> QuerySet[Order]:
    """Orders not in a final state yet, oldest first."""
    return Order.objects.filter(status__in=IN_FLIGHT).order_by("created_at", "id")


def order_count_in_flight() -> int:
    return order_list_in_flight().count()


def order_oldest_in_flight() -> Order | None:
    return order_list_in_flight().first()


def order_count_per_minute(*, created_since: datetime) -> list[tuple[datetime, str, int]]:
    """(minute, status, how many) of the orders created since `created_since`, by minute."""
    rows = (
        Order.objects.filter(created_at__gte=created_since)
        .annotate(minute=TruncMinute("created_at"))
        .values("minute", "status")
        .order_by("minute", "status")
        .annotate(n=Count("id"))
    )
    return [(row["minute"], row["status"], row["n"]) for row in rows]


SAGA_ENDS = ("ordering.OrderApproved", "ordering.OrderRejected")


def order_saga_durations(*, ended_since: datetime, limit: int = 5000) -> list[tuple[datetime, float, str]]:
    """(when the saga ended, its seconds from the order's creation, "approved" or "rejected")
    of the sagas ended since `ended_since`, newest first, at most `limit` (the newest events
    of those types, read backwards along their index)."""
    ends = [
        (stream_id, event_type, at)
        for stream_id, event_type, at in Event.objects.filter(
            stream_type="ordering.Order", event_type__in=SAGA_ENDS
        )
        .order_by("-position")
        .values_list("stream_id", "event_type", "occurred_at")[:limit]
        if at >= ended_since
    ]
    created = dict(Order.objects.filter(id__in=[end[0] for end in ends]).values_list("id", "created_at"))
    return [
        (at, (at - created[stream_id]).total_seconds(), event_type.removeprefix("ordering.Order").lower())
        for stream_id, event_type, at in ends
        if stream_id in created
    ]

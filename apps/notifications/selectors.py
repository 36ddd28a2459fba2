"""Queries of the notifications context."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CustomerCache, SentNotification


def customer_cache_find(*, customer_id: str) -> CustomerCache | None:
    """The cached customer; None when nothing is cached."""
    return CustomerCache.objects.filter(id=customer_id).first()


def sent_notification_list_for_order(*, order_id: str) -> QuerySet[SentNotification]:
    """The SMS sent about one order, oldest first."""
    return SentNotification.objects.filter(order_id=order_id).order_by("sent_at", "id")

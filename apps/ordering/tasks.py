"""Periodic work of the ordering context (scheduled by beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="ordering.reject_stale_orders")
def reject_stale_orders() -> int:
    """Create-order saga timeout: rejects the orders still pending after
    ORDERING_PENDING_TIMEOUT_SECONDS. Idempotent; returns how many were rejected."""
    older_than = timedelta(seconds=settings.ORDERING_PENDING_TIMEOUT_SECONDS)
    return len(services.order_reject_stale(older_than=older_than))

"""Operator work on the messaging tables: retry sweeps, dead letters, purge, health figures."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from mallbots.celery import app

from .consumer import wake_successor
from .models import FailedDelivery, InboxMessage, OutboxMessage
from .relay import send_delivery

log = logging.getLogger(__name__)


def _lease() -> timedelta:
    # A resent delivery that vanished (worker and broker lost it) is sent again after this.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 300)
    return timedelta(seconds=visibility + 30)


def retry_due(limit: int = 200) -> int:
    """Send again the failed deliveries whose backoff has passed."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            FailedDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[FailedDelivery.Status.RETRYING, FailedDelivery.Status.HELD],
                next_attempt_at__lte=now,
            )
            .order_by("next_attempt_at")[:limit]
        )
        if not rows:
            return 0
        with app.producer_or_acquire() as producer:
            for row in rows:
                send_delivery(
                    producer,
                    row.handler,
                    row.queue,
                    row.envelope,
                    row.seq,
                    row.attempts + 1,
                )
        FailedDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + _lease())
    return len(rows)


def dead_letters() -> list[FailedDelivery]:
    return list(
        FailedDelivery.objects.filter(status=FailedDelivery.Status.DEAD).order_by("first_failed_at", "pk")
    )


def retry_dead_letters(ids: list[int] | None = None) -> int:
    """Give dead letters a fresh set of attempts, now. None = all of them."""
    with transaction.atomic():
        qs = FailedDelivery.objects.select_for_update().filter(status=FailedDelivery.Status.DEAD)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        rows = list(qs)
        if not rows:
            return 0
        now = timezone.now()
        FailedDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=FailedDelivery.Status.RETRYING, attempts=0, next_attempt_at=now
        )

        def send() -> None:
            try:
                retry_due()
            except Exception:
                log.warning(
                    "could not send retried dead letters now; the retry sweep will",
                    exc_info=True,
                )

        transaction.on_commit(send, robust=True)
    return len(rows)


def discard_dead_letters(ids: list[int] | None = None) -> int:
    """Drop dead letters for good. An ordered handler's partition then moves past them: the
    message is recorded as handled (without running the handler) so later ones can flow."""
    from django.db import connection

    with transaction.atomic():
        qs = FailedDelivery.objects.select_for_update().filter(status=FailedDelivery.Status.DEAD)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        rows = list(qs)
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(
                    "INSERT INTO messaging_inboxmessage (handler, message_id, name, partition_key, correlation_id, "
                    "handled_at) VALUES (%s, %s, %s, %s, %s, statement_timestamp()) ON CONFLICT DO NOTHING",
                    [
                        row.handler,
                        row.message_id,
                        row.name,
                        row.partition_key,
                        row.envelope.get("correlation_id", ""),
                    ],
                )
                if row.sequence and row.seq is not None:
                    # Move the partition past it only if it was the next one due.
                    cursor.execute(
                        "UPDATE messaging_partitioncursor SET last = %s "
                        "WHERE sequence = %s AND partition_key = %s AND last = %s",
                        [row.seq, row.sequence, row.partition_key, row.seq - 1],
                    )
                    if row.seq == 1:
                        cursor.execute(
                            "INSERT INTO messaging_partitioncursor (sequence, partition_key, last) "
                            "VALUES (%s, %s, 1) ON CONFLICT DO NOTHING",
                            [row.sequence, row.partition_key],
                        )
                    wake_successor(cursor, row.sequence, row.partition_key, row.seq + 1)
        FailedDelivery.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def purge(now: datetime | None = None, batch: int = 5000) -> tuple[int, int]:
    """Delete sent outbox rows and inbox rows past their retention. Returns (outbox, inbox)."""
    now = now or timezone.now()
    outbox_cutoff = now - timedelta(hours=settings.MESSAGING_OUTBOX_RETENTION_HOURS)
    inbox_cutoff = now - timedelta(hours=settings.MESSAGING_INBOX_RETENTION_HOURS)
    outbox = inbox = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(sent_at__lt=outbox_cutoff).values_list("position", flat=True)[:batch]
        )
        if not ids:
            break
        outbox += OutboxMessage.objects.filter(position__in=ids).delete()[0]
    while True:
        ids = list(
            InboxMessage.objects.filter(handled_at__lt=inbox_cutoff).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        inbox += InboxMessage.objects.filter(pk__in=ids).delete()[0]
    return outbox, inbox


@dataclass(frozen=True)
class MessagingHealth:
    outbox_unsent: int
    outbox_lag_seconds: float  # age of the oldest unsent row, 0 when none
    dead_letters: int
    retrying: int
    held: int


def health() -> MessagingHealth:
    now = timezone.now()
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True)
    oldest = unsent.aggregate(oldest=Min("created_at"))["oldest"]
    counts = {status: 0 for status in FailedDelivery.Status.values}
    for row in FailedDelivery.objects.values("status").order_by().annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return MessagingHealth(
        outbox_unsent=unsent.count(),
        outbox_lag_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        dead_letters=counts[FailedDelivery.Status.DEAD],
        retrying=counts[FailedDelivery.Status.RETRYING],
        held=counts[FailedDelivery.Status.HELD],
    )


def queue_backlog() -> dict[str, int]:
    """Messages waiting in each queue on the broker."""
    names = [settings.MESSAGING_KERNEL_QUEUE, *settings.MESSAGING_CONTEXT_QUEUES]
    with app.connection_for_read() as conn:
        client = conn.default_channel.client
        pipe = client.pipeline()
        for name in names:
            pipe.llen(name)
        return dict(zip(names, (int(n) for n in pipe.execute()), strict=True))

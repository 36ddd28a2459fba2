"""The outbox relay: sends unsent outbox rows to Celery, in log order, one Celery message per
(message, subscribed handler) on the handler's queue, and marks a row sent only after the
broker accepted all of its messages.

Rows are claimed with FOR UPDATE SKIP LOCKED, so several relays (web processes after their
commits, the periodic sweep on any worker) never send the same row at the same time. There
is no high-water mark: a row is picked up whenever it becomes visible, so a transaction that
commits late is still sent. A crash between the broker accepting and the row being marked
sends it again later, which the consumers' inbox absorbs."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from mallbots.celery import app
from mallbots.eventstore.store import loads

from . import metrics

log = logging.getLogger(__name__)

DELIVER_TASK = "messaging.deliver"

# After a failed inline relay (broker down), committing processes leave the work to the
# periodic sweep for a while instead of each paying the connection timeout.
_INLINE_PAUSE_SECONDS = 5.0
_inline_paused_until = 0.0

_CLAIM_SQL = (
    "SELECT position, message_id, name, version, partition_key, producer, correlation_id, "
    "causation_id, payload, metadata, deliveries, created_at "
    "FROM messaging_outboxmessage WHERE sent_at IS NULL "
    "ORDER BY position LIMIT %s FOR UPDATE SKIP LOCKED"
)


def _envelope(row: tuple[Any, ...]) -> dict[str, Any]:
    (
        position,
        message_id,
        name,
        version,
        key,
        producer,
        correlation,
        causation,
        payload,
        metadata,
        _,
        created,
    ) = row
    # A plain dict with the fields of Envelope: dataclasses.asdict deep-copies the payload.
    return {
        "id": str(message_id),
        "name": name,
        "version": version,
        "partition_key": key,
        "position": position,
        "correlation_id": correlation,
        "causation_id": causation,
        "occurred_at": created.isoformat(),
        "producer": producer,
        "payload": loads(payload),
        "metadata": loads(metadata),
    }


def send_delivery(
    producer: Any,
    handler: str,
    queue: str,
    envelope: dict[str, Any],
    seq: int | None,
    attempt: int = 0,
) -> None:
    app.send_task(
        DELIVER_TASK,
        args=[handler, envelope, seq, attempt],
        queue=queue,
        routing_key=queue,
        producer=producer,
        retry=False,
        task_id=f"{envelope['id']}:{handler}:{attempt}",
        # A short readable summary for monitoring; by default Celery reprs the whole envelope.
        argsrepr=f"({handler!r}, <{envelope['name']} {envelope['id']}>, {seq!r}, {attempt})",
        kwargsrepr="{}",
    )
    metrics.deliveries_sent.labels(envelope["name"], handler).inc()


def relay_batch(limit: int | None = None) -> int:
    """Send one batch of unsent rows. Returns how many rows were sent. Raises the broker's
    error after marking the rows that did go out."""
    limit = limit or settings.MESSAGING_RELAY_BATCH
    error: Exception | None = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [limit])
            rows = cursor.fetchall()
        if not rows:
            return 0
        sent: list[int] = []
        names: list[str] = []
        try:
            with app.producer_or_acquire() as producer:
                for row in rows:
                    envelope = _envelope(row)
                    for delivery in loads(row[10]):
                        send_delivery(
                            producer,
                            delivery["handler"],
                            delivery["queue"],
                            envelope,
                            delivery.get("seq"),
                        )
                    sent.append(row[0])
                    names.append(row[2])
        except Exception as exc:  # broker down or refusing: keep what went out, retry the rest later
            error = exc
        if sent:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE messaging_outboxmessage SET sent_at = statement_timestamp() WHERE position = ANY(%s)",
                    [sent],
                )
    for name in names:  # committed: these rows are marked sent
        metrics.messages_relayed.labels(name).inc()
    if error is not None:
        raise error
    return len(sent)


def relay_pending(*, max_seconds: float = 5.0, limit: int | None = None) -> int:
    """Relay until the outbox is empty (as far as this relay can see) or time is up."""
    limit = limit or settings.MESSAGING_RELAY_BATCH
    deadline = time.monotonic() + max_seconds
    total = 0
    while time.monotonic() < deadline:
        sent = relay_batch(limit)
        total += sent
        if sent < limit:  # a short batch: nothing more this relay can claim now
            break
    return total


def wake_after_commit() -> None:
    """Runs after a transaction that published messages has committed."""
    global _inline_paused_until
    mode = settings.MESSAGING_RELAY_ON_COMMIT
    if mode == "task":
        app.send_task("messaging.relay_sweep", queue=settings.MESSAGING_KERNEL_QUEUE)
        return
    if mode != "inline" or time.monotonic() < _inline_paused_until:
        return
    try:
        relay_pending(max_seconds=1.0)
    except Exception:
        _inline_paused_until = time.monotonic() + _INLINE_PAUSE_SECONDS
        log.warning(
            "outbox relay after commit failed; the periodic sweep will send the rows",
            exc_info=True,
        )

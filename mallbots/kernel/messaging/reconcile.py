"""Reconciliation: PostgreSQL knows every delivery that is not handled yet; this sweep hands
the broker again those that are due:

- retries whose backoff has passed, and held messages that are to be tried again;
- deliveries handed to the broker `MESSAGING_REDELIVER_AFTER_SECONDS` ago or more and still
  not handled: the broker lost them (a flush, a restart without persistence, a failover) or
  a worker died holding them. A held message makes its missing predecessor due sooner.

A delivery that may still be waiting in its queue is left there: a Redis list is FIFO, so a
delivery sent before the oldest message now waiting in its queue has left the queue, and
one sent after it may not have. This keeps a long backlog (a burst, a queue without workers)
from being sent twice over, while a lost delivery is sent again within the deadline plus a
sweep. The inbox makes any duplicate harmless either way."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from .fanout import ENVELOPE_COLUMNS, envelope_of, send
from .transport import Push, queue_heads

log = logging.getLogger(__name__)

# Deliveries are stamped with the database's clock, other tasks with their sender's: a delivery
# sent this close to the oldest message of its queue counts as maybe still in it.
MARGIN_SECONDS = 1.0

_DUE_SQL = (
    "SELECT d.id, d.handler, d.queue, d.seq, d.attempts, extract(epoch FROM d.sent_at)::float8, "
    f" {ENVELOPE_COLUMNS} "
    "FROM messaging_delivery d JOIN messaging_message m ON m.message_id = d.message_id "
    "WHERE d.due_at <= statement_timestamp() ORDER BY d.due_at LIMIT %s FOR UPDATE OF d SKIP LOCKED"
)
# Sent now: due again after the deadline unless handled by then. Returns the stamp to send.
_SENT_SQL = (
    "UPDATE messaging_delivery SET sent_at = statement_timestamp(), "
    " due_at = statement_timestamp() + make_interval(secs => %s) "
    "WHERE id = ANY(%s) RETURNING id, extract(epoch FROM sent_at)::float8"
)
_LATER_SQL = "UPDATE messaging_delivery SET due_at = statement_timestamp() + make_interval(secs => %s) WHERE id = ANY(%s)"


def recovery_seconds() -> float:
    """How long, at worst, a delivery the broker lost waits before it is sent again: the
    redelivery deadline plus one sweep. A workflow's step timeouts must be far above it."""
    return float(settings.MESSAGING_REDELIVER_AFTER_SECONDS + settings.MESSAGING_SWEEP_SECONDS)


def sweep(limit: int = 500) -> int:
    """Send the due deliveries that are in no queue. Returns how many were sent. Raises when
    the broker cannot be read (nothing can be sent then anyway)."""
    deadline = settings.MESSAGING_REDELIVER_AFTER_SECONDS
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_DUE_SQL, [limit])
        rows = cursor.fetchall()
        if not rows:
            return 0
        heads = queue_heads(sorted({row[2] for row in rows}))
        gone: list[tuple[Any, ...]] = []
        later: list[tuple[Any, ...]] = []
        for row in rows:
            _, _, queue, _, _, sent, *_ = row
            head = heads[queue]
            left_its_queue = sent is None or head is None or sent < head - MARGIN_SECONDS
            (gone if left_its_queue else later).append(row)
        if later:
            cursor.execute(_LATER_SQL, [deadline, [row[0] for row in later]])
        if not gone:
            return 0
        cursor.execute(_SENT_SQL, [deadline, [row[0] for row in gone]])
        stamps = dict(cursor.fetchall())
    pushes = [
        Push(handler, queue, envelope_of(rest), seq, attempts, stamps[pk])
        for pk, handler, queue, seq, attempts, _, *rest in gone
    ]
    return len(pushes) - len(send(pushes))


def sweep_all(limit: int = 500, max_batches: int = 20) -> int:
    """Sweep until nothing more is due (a broker flush leaves many due at once)."""
    total = 0
    for _ in range(max_batches):
        sent = sweep(limit)
        total += sent
        if sent < limit:
            break
    return total

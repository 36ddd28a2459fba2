"""What happens when a delivery does not succeed: transient errors are retried with backoff,
an ordered message whose predecessor is not handled yet is held, and a delivery that retrying
cannot help becomes a dead letter for staff to retry or discard. All of it is state of the
delivery row, scheduled in PostgreSQL (`due_at`), never as Celery ETA tasks that a Redis
restart would lose."""

from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import DataError, connection, transaction
from django.utils import timezone

from mallbots.kernel.ddd import Conflict, DomainError, UnknownEvent, UnknownEventVersion
from mallbots.kernel.ddd.serde import ValidationError

from . import metrics
from .envelope import Envelope
from .fanout import ENVELOPE_COLUMNS, envelope_of, push_after_commit
from .models import Delivery
from .registry import UnknownHandler, subscription
from .transport import Push

log = logging.getLogger(__name__)

# A held message is tried again at least this often, whatever its backoff says.
HOLD_MAX_SECONDS = 30.0


class TerminalError(Exception):
    """Raise from a handler when retrying can never help (the message itself is wrong)."""


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    HELD = "held"
    RETRYING = "retrying"
    DEAD = "dead"


@dataclass
class HoldBack(Exception):
    """An ordered message arrived before its predecessor number `expected`."""

    expected: int


def is_terminal(exc: BaseException) -> bool:
    if isinstance(exc, Conflict | UnknownHandler):
        # A lost concurrency race sees fresh state next time; a handler this process does not
        # know may be known to a worker running newer code (a rolling deployment).
        return False
    return isinstance(
        exc,
        TerminalError
        | DomainError
        | UnknownEvent
        | UnknownEventVersion
        | ValidationError
        | LookupError
        # Data the database cannot store (numeric overflow, a value too long): the same next time.
        | DataError,
    )


def backoff(attempt: int) -> float:
    """Full-jitter exponential backoff: random in [base, min(cap, base * 2**attempt)]."""
    base = settings.MESSAGING_RETRY_BASE_SECONDS
    ceiling = min(settings.MESSAGING_RETRY_MAX_SECONDS, base * (2 ** max(attempt - 1, 0)))
    return random.uniform(base, max(base, ceiling))


def describe(exc: BaseException) -> str:
    """The error as stored: one readable line first (what `dead_letters list` shows), then the
    traceback."""
    summary = (str(exc).strip().splitlines() or [""])[0].strip()
    headline = (f"{type(exc).__name__}: {summary}" if summary else type(exc).__name__)[:500]
    trace = "".join(traceback.format_exception(exc))
    return f"{headline}\n\n{trace[-(4000 - len(headline)) :]}"  # the traceback's end says most


def error_summary(error: str) -> str:
    """The line that says what went wrong: the first line of a stored error (older rows held
    only a traceback: its last line)."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1].strip() if lines[0].startswith("Traceback") else lines[0].strip()


def record(
    handler: str,
    envelope: Envelope,
    seq: int | None,
    *,
    exc: BaseException | None = None,
    hold: HoldBack | None = None,
) -> Outcome:
    """Record a failed or held delivery in its own transaction (the handler's was rolled
    back) and schedule what comes next."""
    now = timezone.now()
    with transaction.atomic():
        row = Delivery.objects.select_for_update().filter(handler=handler, message_id=envelope.id).first()
        if row is None:  # delivered without a row (a message sent before its row existed)
            queue, sequence = route_of(handler)
            row = Delivery(
                handler=handler,
                message_id=envelope.id,
                position=envelope.position,
                name=envelope.name,
                partition_key=envelope.partition_key,
                queue=queue,
                sequence=sequence,
                seq=seq,
            )
        elif row.status not in Delivery.OPEN:  # handled, dead or discarded meanwhile
            return Outcome.DUPLICATE if row.status == Delivery.Status.HANDLED else Outcome.DEAD
        row.first_failed_at = row.first_failed_at or now
        row.last_failed_at = now
        row.sent_at = None  # a worker took it off its queue: it is in no queue now
        if hold is not None:
            outcome = _hold(row, envelope, hold, now)
        else:
            assert exc is not None
            outcome = _fail(row, envelope, exc, now)
        row.save()
    metrics.deliveries["held" if outcome is Outcome.HELD else "failed"].labels(envelope.name, handler).inc()
    if outcome is Outcome.DEAD:
        metrics.deliveries["dead_lettered"].labels(envelope.name, handler).inc()
    return outcome


def _hold(row: Delivery, envelope: Envelope, hold: HoldBack, now: datetime) -> Outcome:
    row.status = Delivery.Status.HELD
    row.last_error = f"waiting for message #{hold.expected} of partition {envelope.partition_key}"
    row.attempts += 1  # while held, attempts count the waits
    row.due_at = now + timedelta(seconds=min(HOLD_MAX_SECONDS, backoff(row.attempts)))
    if row.sequence:
        # The predecessor may be lost on the broker's side: let the sweep send it again soon.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE messaging_delivery SET due_at = least(due_at, coalesce(sent_at, statement_timestamp()) "
                " + make_interval(secs => %s)) "
                "WHERE sequence = %s AND partition_key = %s AND seq = %s AND status = 'pending'",
                [settings.MESSAGING_HELD_NUDGE_SECONDS, row.sequence, row.partition_key, hold.expected],
            )
    return Outcome.HELD


def _fail(row: Delivery, envelope: Envelope, exc: BaseException, now: datetime) -> Outcome:
    row.attempts = (row.attempts if row.status != Delivery.Status.HELD else 0) + 1
    row.last_error = describe(exc)
    if is_terminal(exc) or row.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
        row.status = Delivery.Status.DEAD
        row.due_at = None
        log.error("dead letter: %s <- %s %s: %s", row.handler, envelope.name, envelope.id, exc)
        return Outcome.DEAD
    row.status = Delivery.Status.RETRYING
    row.due_at = now + timedelta(seconds=backoff(row.attempts))
    log.warning(
        "retrying %s <- %s %s (attempt %s): %s", row.handler, envelope.name, envelope.id, row.attempts, exc
    )
    return Outcome.RETRYING


def route_of(handler: str) -> tuple[str, str]:
    """The handler's queue and ordering sequence ("" when unordered)."""
    try:
        sub = subscription(handler)
    except LookupError:
        return str(settings.MESSAGING_KERNEL_QUEUE), ""
    return sub.queue, sub.sequence or ""


def dead_letters(handler: str | None = None) -> list[Delivery]:
    rows = Delivery.objects.filter(status=Delivery.Status.DEAD)
    if handler is not None:
        rows = rows.filter(handler=handler)
    return list(rows.order_by("first_failed_at", "pk"))


def retry_dead_letters(ids: list[int] | None = None) -> int:
    """Give dead letters a fresh set of attempts, now (the sweep sends them). None = all."""
    with transaction.atomic():
        rows = Delivery.objects.select_for_update().filter(status=Delivery.Status.DEAD)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        # sent_at NULL: in no queue, so the sweep hands it to the broker at once.
        return rows.update(status=Delivery.Status.RETRYING, attempts=0, due_at=timezone.now(), sent_at=None)


def discard_dead_letters(ids: list[int] | None = None) -> int:
    """Drop dead letters for good: the handler never runs for them. An ordered handler's
    partition moves past a discarded message, so later ones flow."""
    with transaction.atomic(), connection.cursor() as cursor:
        rows = Delivery.objects.select_for_update().filter(status=Delivery.Status.DEAD)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        dead = list(rows)
        woken: list[Push] = []
        for row in dead:
            if row.sequence and row.seq is not None:
                woken += advance_cursor(cursor, row.sequence, row.partition_key, row.seq)
        push_after_commit(woken)
        Delivery.objects.filter(pk__in=[r.pk for r in dead]).update(
            status=Delivery.Status.DISCARDED, due_at=None, handled_at=timezone.now()
        )
    return len(dead)


def advance_cursor(cursor: Any, sequence: str, key: str, seq: int) -> list[Push]:
    """Move a partition past `seq` if it was the next one due; its held successor to send."""
    if seq == 1:  # the partition's first message: its cursor may not exist yet
        cursor.execute(
            "INSERT INTO messaging_partitioncursor (sequence, partition_key, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (sequence, partition_key) DO UPDATE SET last = 1 "
            "WHERE messaging_partitioncursor.last = 0",
            [sequence, key],
        )
    else:
        cursor.execute(
            "UPDATE messaging_partitioncursor SET last = %s "
            "WHERE sequence = %s AND partition_key = %s AND last = %s",
            [seq, sequence, key, seq - 1],
        )
    return wake_successor(cursor, sequence, key, seq + 1) if cursor.rowcount else []


_WAKE_SQL = (
    "UPDATE messaging_delivery d SET sent_at = statement_timestamp(), "
    " due_at = statement_timestamp() + make_interval(secs => %s) "
    "FROM messaging_message m "
    "WHERE m.message_id = d.message_id AND d.sequence = %s AND d.partition_key = %s AND d.seq = %s "
    " AND d.status = 'held' "
    f"RETURNING d.handler, d.queue, d.seq, d.attempts, extract(epoch FROM d.sent_at)::float8, {ENVELOPE_COLUMNS}"
)


def wake_successor(cursor: Any, sequence: str, key: str, seq: int) -> list[Push]:
    """The next message of this partition (for any handler of the sequence) arrived early and
    is held: it is to be sent again as soon as the caller commits, not after its backoff."""
    cursor.execute(_WAKE_SQL, [settings.MESSAGING_REDELIVER_AFTER_SECONDS, sequence, key, seq])
    return [
        Push(handler, queue, envelope_of(rest), number, attempts, sent)
        for handler, queue, number, attempts, sent, *rest in cursor.fetchall()
    ]

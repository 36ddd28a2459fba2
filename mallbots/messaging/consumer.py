"""Consuming: one delivery = one (message, handler). The handler runs in a transaction that
also records the message in the inbox, so a redelivered message is skipped and its effects
happen once. Ordered handlers also advance a per-partition cursor in that transaction and
hold back a message whose predecessor has not been handled yet. Failures become rows in
FailedDelivery: retried with exponential backoff and jitter, or dead letters."""

from __future__ import annotations

import json
import logging
import random
import time
import traceback
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from mallbots.ddd import Conflict, DomainError, UnknownEvent, UnknownEventVersion
from mallbots.ddd import context as message_context
from mallbots.ddd.serde import ValidationError, from_data

from . import metrics, tracing
from .envelope import Envelope
from .events import integration_events
from .logcontext import Delivery, delivering
from .models import FailedDelivery
from .registry import Subscription, subscription

log = logging.getLogger(__name__)


class TerminalError(Exception):
    """Raise from a handler when retrying can never help (the message itself is wrong)."""


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    HELD = "held"
    RETRYING = "retrying"
    DEAD = "dead"


@dataclass
class _HoldBack(Exception):
    expected: int


HOLD_MAX_SECONDS = 30.0


def is_terminal(exc: BaseException) -> bool:
    if isinstance(exc, Conflict):
        return False  # lost a concurrency race: the next attempt sees fresh state
    return isinstance(
        exc,
        TerminalError | DomainError | UnknownEvent | UnknownEventVersion | ValidationError | LookupError,
    )


def backoff(attempt: int) -> float:
    """Full-jitter exponential backoff: random in [base, min(cap, base * 2**attempt)]."""
    base = settings.MESSAGING_RETRY_BASE_SECONDS
    ceiling = min(settings.MESSAGING_RETRY_MAX_SECONDS, base * (2 ** max(attempt - 1, 0)))
    return random.uniform(base, max(base, ceiling))


def decode(envelope: Envelope) -> Any:
    cls = integration_events.get(envelope.name)
    data = integration_events.upcast(envelope.name, envelope.version, envelope.payload)
    return from_data(cls, data)


def process(handler_name: str, envelope_data: dict[str, Any], seq: int | None, attempt: int = 0) -> Outcome:
    """Deliver one message to one handler. Never raises for a handler's failure: the failure
    is recorded for a retry or as a dead letter. Raises only when even that cannot be written
    (database down), so the transport redelivers the message."""
    envelope = Envelope.from_dict(envelope_data)
    started = time.perf_counter()
    metrics.deliveries["delivered"].labels(envelope.name, handler_name).inc()
    # The message is the cause of the work its delivery does, as in the handler's own context.
    delivery = Delivery(
        envelope.id,
        handler_name,
        envelope.correlation_id,
        causation_id=envelope.id,
        actor=envelope.metadata.get("actor"),
    )
    try:
        with (
            delivering(delivery),
            tracing.handling(handler_name, envelope.name, envelope.id, envelope.metadata) as span,
        ):
            outcome = _process(handler_name, envelope, seq, attempt, started)
            span.set_attribute("mallbots.outcome", outcome.value)
            return outcome
    finally:
        metrics.handler_duration.labels(handler_name).observe(time.perf_counter() - started)


def _process(handler_name: str, envelope: Envelope, seq: int | None, attempt: int, started: float) -> Outcome:
    try:
        sub = subscription(handler_name)
        with (
            message_context.use(
                correlation_id=envelope.correlation_id,
                causation_id=envelope.id,
                actor=envelope.metadata.get("actor"),
            ),
            transaction.atomic(),
        ):
            outcome = _handle_once(sub, envelope, seq, attempt)
        metrics.deliveries[outcome.value].labels(envelope.name, handler_name).inc()
        log.info(
            "%s %s <- %s %s (key %s) in %.1f ms",
            outcome.value,
            handler_name,
            envelope.name,
            envelope.id,
            envelope.partition_key,
            (time.perf_counter() - started) * 1000,
        )
        return outcome
    except _HoldBack as hold:
        return _record_failure(handler_name, envelope, seq, hold=hold)
    except Exception as exc:
        if isinstance(exc, DatabaseError) and not connection.is_usable():
            connection.close()
        return _record_failure(handler_name, envelope, seq, exc=exc)


def _handle_once(sub: Subscription, envelope: Envelope, seq: int | None, attempt: int) -> Outcome:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO messaging_inboxmessage (handler, message_id, name, partition_key, correlation_id, handled_at) "
            "VALUES (%s, %s, %s, %s, %s, statement_timestamp()) ON CONFLICT (handler, message_id) DO NOTHING",
            [
                sub.name,
                envelope.id,
                envelope.name,
                envelope.partition_key,
                envelope.correlation_id,
            ],
        )
        if cursor.rowcount == 0:
            _forget_failure(cursor, sub.name, envelope.id, attempt)
            return Outcome.DUPLICATE
        ordered = sub.ordered and seq is not None
        if ordered:
            # Locks the (sequence, key) cursor until commit: deliveries of one partition to one
            # handler or order group run one after the other even on many worker processes.
            cursor.execute(
                "INSERT INTO messaging_partitioncursor (sequence, partition_key, last) VALUES (%s, %s, 0) "
                "ON CONFLICT (sequence, partition_key) DO UPDATE SET last = messaging_partitioncursor.last "
                "RETURNING last",
                [sub.sequence, envelope.partition_key],
            )
            last = cursor.fetchone()[0]
            if seq <= last:
                _forget_failure(cursor, sub.name, envelope.id, attempt)
                return Outcome.DUPLICATE
            if seq > last + 1:
                raise _HoldBack(expected=last + 1)
    sub.handler(decode(envelope), envelope)
    with connection.cursor() as cursor:
        if ordered:
            cursor.execute(
                "UPDATE messaging_partitioncursor SET last = %s WHERE sequence = %s AND partition_key = %s",
                [seq, sub.sequence, envelope.partition_key],
            )
            wake_successor(cursor, str(sub.sequence), envelope.partition_key, seq + 1)  # type: ignore[operator]
        _forget_failure(cursor, sub.name, envelope.id, attempt)
    return Outcome.HANDLED


def _forget_failure(cursor: Any, handler: str, message_id: str, attempt: int) -> None:
    if attempt > 0:  # only retries can have a FailedDelivery row
        cursor.execute(
            "DELETE FROM messaging_faileddelivery WHERE handler = %s AND message_id = %s",
            [handler, message_id],
        )


def wake_successor(cursor: Any, sequence: str, key: str, seq: int) -> None:
    """The next message of this partition (for any handler of the sequence) arrived early and
    is held: send it again right after this transaction commits instead of after its backoff."""
    cursor.execute(
        "UPDATE messaging_faileddelivery SET next_attempt_at = now() "
        "WHERE sequence = %s AND partition_key = %s AND seq = %s AND status = 'held' "
        "RETURNING handler, queue, envelope, attempts",
        [sequence, key, seq],
    )
    row = cursor.fetchone()
    if row is not None:
        handler, queue, envelope, attempts = row
        envelope = json.loads(envelope) if isinstance(envelope, str) else envelope

        def send() -> None:
            from mallbots.celery import app

            from .relay import send_delivery

            try:
                with app.producer_or_acquire() as producer:
                    send_delivery(producer, handler, queue, envelope, seq, attempts + 1)
            except Exception:
                log.warning(
                    "could not wake held message; the retry sweep will send it",
                    exc_info=True,
                )

        transaction.on_commit(send, robust=True)


def _record_failure(
    handler: str,
    envelope: Envelope,
    seq: int | None,
    *,
    exc: BaseException | None = None,
    hold: _HoldBack | None = None,
) -> Outcome:
    now = timezone.now()
    with transaction.atomic():
        row = (
            FailedDelivery.objects.select_for_update().filter(handler=handler, message_id=envelope.id).first()
        )
        if row is None:
            queue, sequence = _route_of(handler)
            row = FailedDelivery(
                handler=handler,
                queue=queue,
                sequence=sequence,
                message_id=envelope.id,
                name=envelope.name,
                partition_key=envelope.partition_key,
                seq=seq,
                envelope=envelope.to_dict(),
                attempts=0,
                first_failed_at=now,
            )
        row.last_failed_at = now
        if hold is not None:
            row.status = FailedDelivery.Status.HELD
            row.last_error = f"waiting for message #{hold.expected} of partition {envelope.partition_key}"
            waits = row.attempts + 1
            row.attempts = waits
            row.next_attempt_at = now + timedelta(seconds=min(HOLD_MAX_SECONDS, backoff(waits)))
            outcome = Outcome.HELD
        else:
            assert exc is not None
            row.attempts = (row.attempts if row.status != FailedDelivery.Status.HELD else 0) + 1
            row.last_error = "".join(traceback.format_exception(exc))[-4000:]
            if is_terminal(exc) or row.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
                row.status = FailedDelivery.Status.DEAD
                row.next_attempt_at = None
                outcome = Outcome.DEAD
                log.error(
                    "dead letter: %s <- %s %s: %s",
                    handler,
                    envelope.name,
                    envelope.id,
                    exc,
                )
            else:
                row.status = FailedDelivery.Status.RETRYING
                row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts))
                outcome = Outcome.RETRYING
                log.warning(
                    "retrying %s <- %s %s (attempt %s): %s",
                    handler,
                    envelope.name,
                    envelope.id,
                    row.attempts,
                    exc,
                )
        row.save()
    if outcome is Outcome.HELD:
        metrics.deliveries["held"].labels(envelope.name, handler).inc()
    else:
        metrics.deliveries["failed"].labels(envelope.name, handler).inc()
        if outcome is Outcome.DEAD:
            metrics.deliveries["dead_lettered"].labels(envelope.name, handler).inc()
    return outcome


def _route_of(handler: str) -> tuple[str, str]:
    """The handler's queue and ordering sequence ("" when unordered)."""
    try:
        sub = subscription(handler)
    except LookupError:
        return str(settings.MESSAGING_KERNEL_QUEUE), ""
    return sub.queue, sub.sequence or ""

"""Consuming: one delivery = one (message, handler). The handler runs in a transaction that
also records the delivery as handled, so a delivery that arrives again finds it handled and
does nothing: effects happen once. Ordered handlers also advance a per-partition cursor in
that transaction and hold back a message whose predecessor has not been handled yet.
Failures are recorded by failures.py: retried with backoff, held, or dead letters."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.ddd.serde import from_data
from mallbots.kernel.uow import adoptable_transaction, run_before_commit, run_retrying

from . import failures, metrics, profile, tracing
from .envelope import Envelope
from .events import integration_events
from .failures import HoldBack, Outcome
from .fanout import push_after_commit
from .logcontext import Delivery, delivering
from .registry import Subscription, subscription

log = logging.getLogger(__name__)

# Records the delivery as handled in the handler's transaction. A row that is handled, dead
# or discarded already is left alone (rowcount 0: a duplicate). A delivery whose row does not
# exist (it was sent before its row was written, or its row was purged) gets one.
_CLAIM_SQL = (
    "INSERT INTO messaging_delivery (handler, message_id, position, name, partition_key, queue, sequence, seq, "
    " status, attempts, created_at, handled_at, last_error) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'handled', 0, statement_timestamp(), statement_timestamp(), '') "
    "ON CONFLICT (message_id, handler) DO UPDATE SET status = 'handled', handled_at = statement_timestamp(), "
    " due_at = NULL "
    "WHERE messaging_delivery.status IN ('pending', 'retrying', 'held') "
    "RETURNING 1"
)
# For an ordered handler, in the same statement: the (sequence, key) cursor, locked until
# commit (deliveries of one partition to one handler or order group run one after the other
# even on many worker processes) and advanced to this delivery's number when it is the next
# one. Advancing before the handler runs is safe: a handler that fails rolls it back with
# everything else. `last` comes back only when the cursor moved to this delivery (or was
# created at it); otherwise it is read again under the lock to tell a duplicate from a
# delivery that came early.
_CLAIM_IN_ORDER_SQL = (
    f"WITH claim AS ({_CLAIM_SQL}), "
    "cur AS (INSERT INTO messaging_partitioncursor (sequence, partition_key, last) "
    " SELECT %s, %s, CASE WHEN %s = 1 THEN 1 ELSE 0 END WHERE EXISTS (SELECT 1 FROM claim) "
    " ON CONFLICT (sequence, partition_key) DO UPDATE SET last = %s "
    " WHERE messaging_partitioncursor.last = %s - 1 RETURNING last) "
    "SELECT EXISTS (SELECT 1 FROM claim), (SELECT last FROM cur)"
)
_CURSOR_SQL = "SELECT last FROM messaging_partitioncursor WHERE sequence = %s AND partition_key = %s"


def decode(envelope: Envelope) -> Any:
    cls = integration_events.get(envelope.name)
    data = integration_events.upcast(envelope.name, envelope.version, envelope.payload)
    return from_data(cls, data)


def process(
    handler_name: str,
    envelope_data: dict[str, Any],
    seq: int | None,
    attempt: int = 0,
    sent_at: float | None = None,
) -> Outcome:
    """Deliver one message to one handler. Never raises for a handler's failure: the failure
    is recorded for a retry or as a dead letter. Raises only when even that cannot be written
    (database down), so the transport redelivers the message. `sent_at` (epoch seconds) is
    when the delivery was handed to the broker, for the profile (MESSAGING_PROFILE)."""
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
            profile.delivery(settings.MESSAGING_PROFILE, sent_at) as profiled,
            delivering(delivery),
            tracing.handling(handler_name, envelope.name, envelope.id, envelope.metadata) as span,
        ):
            outcome = _process(handler_name, envelope, seq, started)
            span.set_attribute("mallbots.outcome", outcome.value)
            profile.report(profiled, handler_name, envelope.name)
            return outcome
    finally:
        metrics.handler_duration.labels(handler_name).observe(time.perf_counter() - started)


def _process(handler_name: str, envelope: Envelope, seq: int | None, started: float) -> Outcome:
    try:
        sub = subscription(handler_name)

        def once() -> Outcome:
            with (
                profile.phase("commit"),  # its exit: the commit, and the relay after it
                transaction.atomic(),
            ):
                outcome = _handle_once(sub, envelope, seq)
                run_before_commit()  # what the handler published is appended in it
                return outcome

        with message_context.use(
            correlation_id=envelope.correlation_id,
            causation_id=envelope.id,
            actor=envelope.metadata.get("actor"),
        ):
            # The handler's command runs in this transaction (no savepoint): a race it loses
            # runs the whole delivery again, its claim included.
            session = connection.connection
            try:
                outcome = run_retrying(once)
            except DatabaseError:
                if session is None or not session.closed:
                    raise
                # The session broke since the last delivery (a database restart): this one did
                # nothing, or committed and will be a duplicate. Once more, on a new session.
                outcome = run_retrying(once)
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
    except HoldBack as hold:
        return failures.record(handler_name, envelope, seq, hold=hold)
    except Exception as exc:
        if isinstance(exc, DatabaseError) and not connection.is_usable():
            connection.close()
        return failures.record(handler_name, envelope, seq, exc=exc)


def _handle_once(sub: Subscription, envelope: Envelope, seq: int | None) -> Outcome:
    sequence = sub.sequence if seq is not None else None
    claim: list[Any] = [
        sub.name,
        envelope.id,
        envelope.position,
        envelope.name,
        envelope.partition_key,
        sub.queue,
        sub.sequence or "",
        seq,
    ]
    with profile.phase("claim"), connection.cursor() as cursor:
        if sequence is None or seq is None:
            cursor.execute(_CLAIM_SQL, claim)
            if cursor.rowcount == 0:
                return Outcome.DUPLICATE
        else:
            cursor.execute(_CLAIM_IN_ORDER_SQL, [*claim, sequence, envelope.partition_key, seq, seq, seq])
            claimed, advanced_to = cursor.fetchone()
            if not claimed:
                return Outcome.DUPLICATE
            if advanced_to != seq:
                cursor.execute(_CURSOR_SQL, [sequence, envelope.partition_key])
                row = cursor.fetchone()
                last = row[0] if row is not None else 0
                if seq <= last:
                    return Outcome.DUPLICATE
                raise HoldBack(expected=last + 1)
    with profile.phase("handler"), adoptable_transaction():
        sub.handler((sub.decode or decode)(envelope), envelope)
    if sequence is not None and seq is not None:
        with profile.phase("claim"), connection.cursor() as cursor:
            push_after_commit(failures.wake_successor(cursor, sequence, envelope.partition_key, seq + 1))
    return Outcome.HANDLED

"""publish(): write an integration event to the outbox, in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from mallbots.ddd.serde import to_data
from mallbots.eventstore.dispatch import ambient_context

from . import metrics, tracing
from .events import IntegrationEvent
from .registry import subscribers


def publish(event: IntegrationEvent, *, partition_key: str | None = None) -> str:
    """Write `event` to the outbox and return its message id. The row commits or rolls back
    with the caller's transaction; after commit the relay sends it. Must run inside
    `transaction.atomic()` (a service), never on its own: nothing would tie it to the change
    it announces."""
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must run inside the transaction of the command it belongs to")
    ctx = ambient_context()
    message_id = str(uuid.uuid4())
    key = partition_key if partition_key is not None else event.partition_key()
    subs = sorted(subscribers(event.event_name), key=lambda s: s.name)
    # One number per ordering sequence (a handler, or an order group of several handlers).
    ordered = sorted({s.sequence for s in subs if s.sequence is not None})
    deliveries = [{"handler": s.name, "queue": s.queue, "sequence": s.sequence} for s in subs]
    payload = json.dumps(to_data(event))
    metadata: dict[str, str] = {"actor": ctx.actor} if ctx.actor else {}
    with tracing.publishing(event.event_name, message_id) as trace_context:
        metadata |= trace_context  # W3C traceparent: the deliveries' spans continue this trace
    common: list[Any] = [
        message_id,
        event.event_name,
        event.event_version,
        key,
        event.event_producer,
        ctx.correlation_id,
        ctx.causation_id,
        payload,
        json.dumps(metadata),
    ]
    with connection.cursor() as cursor:
        if ordered:
            # Gapless per-(sequence, key) numbers, assigned in this transaction; the
            # counters are locked in name order so concurrent publishers cannot deadlock.
            cursor.execute(
                "WITH seq AS ("
                "  INSERT INTO messaging_partitionsequence (sequence, partition_key, last) "
                "  SELECT h, %s, 1 FROM unnest(%s::text[]) AS h ORDER BY h "
                "  ON CONFLICT (sequence, partition_key) "
                "  DO UPDATE SET last = messaging_partitionsequence.last + 1 "
                "  RETURNING sequence, last) "
                "INSERT INTO messaging_outboxmessage (message_id, name, version, partition_key, producer, "
                " correlation_id, causation_id, payload, metadata, deliveries, created_at) "
                "SELECT %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, "
                " (SELECT jsonb_agg(d || jsonb_build_object('seq', seq.last)) "
                "  FROM jsonb_array_elements(%s::jsonb) AS d LEFT JOIN seq ON seq.sequence = d->>'sequence'), "
                " statement_timestamp()",
                [key, ordered, *common, json.dumps(deliveries)],
            )
        else:
            cursor.execute(
                "INSERT INTO messaging_outboxmessage (message_id, name, version, partition_key, producer, "
                " correlation_id, causation_id, payload, metadata, deliveries, created_at, sent_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb, statement_timestamp(), "
                " CASE WHEN %s THEN NULL ELSE statement_timestamp() END)",
                # A message nobody subscribes to is logged as already sent: nothing to relay.
                [*common, json.dumps(deliveries), bool(deliveries)],
            )
    metrics.count_on_commit(metrics.messages_published, event.event_name)
    if deliveries and settings.MESSAGING_RELAY_ON_COMMIT != "off":
        _wake_relay_on_commit()
    return message_id


def _wake_relay_on_commit() -> None:
    from .relay import wake_after_commit

    # One wake-up per transaction, however many messages it publishes.
    if not any(entry[1] is wake_after_commit for entry in connection.run_on_commit):
        transaction.on_commit(wake_after_commit, robust=True)

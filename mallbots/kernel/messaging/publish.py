"""publish(): write an integration event to its producer's stream, in the caller's transaction.
Until it is appended to the stream (just before the commit of a transaction the kernel owns, or
by the relay right after the commit), the row is the stream's outbox."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from mallbots.kernel.ddd.serde import to_data
from mallbots.kernel.uow import ambient_context

from . import metrics, profile, relay, tracing
from .events import IntegrationEvent

_INSERT_SQL = (
    "INSERT INTO messaging_message (message_id, name, version, partition_key, producer, correlation_id, "
    " causation_id, payload, metadata, size, created_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, statement_timestamp()) "
    "ON CONFLICT (message_id) DO NOTHING"
)


def publish(
    event: IntegrationEvent, *, partition_key: str | None = None, message_id: str | uuid.UUID | None = None
) -> str:
    """Write `event` to its producer's stream and return its message id. The row commits or
    rolls back with the caller's transaction; after commit the relay appends it and sends it
    to every subscriber. Must run inside `transaction.atomic()` (a service), never on its own:
    nothing would tie it to the change it announces.

    `message_id` makes publishing idempotent: a producer that retries with the id it used
    before (after a timeout, say) stores and delivers the event once, as long as the first
    copy is retained (at least MESSAGING_DEDUP_WINDOW_SECONDS)."""
    return write_message(
        name=event.event_name,
        version=event.event_version,
        stream=event.event_producer,
        partition_key=partition_key if partition_key is not None else event.partition_key(),
        payload=to_data(event),
        message_id=message_id,
    )


def write_message(
    *,
    name: str,
    version: int,
    stream: str,
    partition_key: str,
    payload: dict[str, Any],
    metadata: dict[str, Any] | None = None,
    message_id: str | uuid.UUID | None = None,
) -> str:
    """Write one message (an integration event, a command, a reply) to `stream`, in the
    caller's transaction, and wake the relay for after the commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must run inside the transaction of the command it belongs to")
    ctx = ambient_context()
    message_id = str(message_id or uuid.uuid4())
    body = json.dumps(payload)
    meta: dict[str, Any] = {**(metadata or {}), **({"actor": ctx.actor} if ctx.actor else {})}
    with tracing.publishing(name, message_id) as trace_context:
        meta |= trace_context  # W3C traceparent: the deliveries' spans continue this trace
    with profile.phase("outbox"), connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL,
            [
                message_id,
                name,
                version,
                partition_key,
                stream,
                ctx.correlation_id,
                ctx.causation_id,
                body,
                json.dumps(meta),
                len(body),
            ],
        )
        stored = cursor.rowcount == 1
    if stored:
        metrics.count_on_commit(metrics.messages_published, name)
        if settings.MESSAGING_RELAY_ON_COMMIT != "off":
            _wake_relay_on_commit(stream)
    return message_id


class _RelayWake:
    """The on-commit relay of one transaction: one per transaction (or savepoint), however many
    messages it publishes, relaying the streams they went to."""

    def __init__(self) -> None:
        self.streams: set[str] = set()

    def __call__(self) -> None:
        if self.streams:  # unless appended before the commit
            with profile.phase("relay"):
                relay.wake_after_commit(self.streams)


def _wake_relay_on_commit(stream: str) -> None:
    savepoints = tuple(connection.savepoint_ids)
    for entry in connection.run_on_commit:
        sids, callback = entry[0], entry[1]
        if isinstance(callback, _RelayWake) and tuple(sids) == savepoints:
            callback.streams.add(stream)
            return
    wake = _RelayWake()
    wake.streams.add(stream)
    transaction.on_commit(wake, robust=True)


def append_before_commit() -> None:
    """Registered with uow.before_commit: at the end of a transaction the kernel owns (a
    command's, a delivery's), one whose messages all went to one stream appends them itself,
    before it commits, instead of waking a relay for after the commit: one transaction per
    delivery instead of two. Messages to several streams still go to the relay after commit:
    a transaction holding two streams' locks could deadlock with another relay."""
    wakes = [entry[1] for entry in connection.run_on_commit if isinstance(entry[1], _RelayWake)]
    streams = {stream for wake in wakes for stream in wake.streams}
    if len(streams) != 1:
        return
    with profile.phase("relay"):
        appended_all = relay.append_before_commit(next(iter(streams)))
    if appended_all:
        for wake in wakes:
            wake.streams.clear()

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import redis
from celery import current_app
from django.db import connection

from mallbots.kernel.messaging import relay, transport
from mallbots.kernel.messaging.models import Delivery, StreamMessage
from tests.conftest import waiting_on_a_lock


def queued_tasks(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The Celery messages waiting in a queue on the Redis broker, oldest first."""
    raw = client.lrange(queue, 0, -1)
    messages = [json.loads(item) for item in reversed(raw)]
    return [
        {"id": m["headers"]["id"], "task": m["headers"]["task"], "args": json.loads(_body(m))[0]}
        for m in messages
    ]


def _body(message: dict[str, Any]) -> str:
    return base64.b64decode(message["body"]).decode()


def append(row: StreamMessage) -> StreamMessage:
    """Have the relay append what waits in the outbox up to this row (creating the deliveries),
    one message at a time in publication order as relays after each commit would, without
    sending anything to the broker (as if it lost every delivery); the row as it is now."""
    while row.stream_position is None:
        waiting = StreamMessage.objects.filter(stream_position__isnull=True).order_by("position").first()
        if waiting is None or waiting.position > row.position:
            break
        relay.append_batch(waiting.producer, limit=1)
        row.refresh_from_db()
    return row


def fanned_out(row: StreamMessage) -> list[dict[str, Any]]:
    """The deliveries of a message (after its append), by handler: handler, queue, the ordering
    sequence (None when unordered) and the number in it."""
    append(row)
    return [
        {"handler": d.handler, "queue": d.queue, "sequence": d.sequence or None, "seq": d.seq}
        for d in Delivery.objects.filter(message_id=row.message_id).order_by("handler")
    ]


def deliveries_of(row: StreamMessage) -> list[tuple[str, dict[str, Any], int | None]]:
    """(handler, envelope, seq) for each delivery of a message, as a worker would get them."""
    append(row)
    envelope = row.envelope()
    return [(d["handler"], envelope, d["seq"]) for d in fanned_out(row)]


def send_again(deliveries: Iterable[tuple[str, dict[str, Any], int | None]], queue_of: dict[str, str]) -> int:
    """Hand deliveries to the broker once more, as a broker redelivering them would."""
    sent = 0
    with current_app.producer_or_acquire() as producer:
        for handler, envelope, seq in deliveries:
            transport.send(
                producer, transport.Push(handler, queue_of[handler], envelope, seq, 0, time.time())
            )
            sent += 1
    return sent


def handled(**filters: Any) -> int:
    """Deliveries recorded as handled (the inbox), with the given filters."""
    return Delivery.objects.filter(status=Delivery.Status.HANDLED, **filters).count()


@contextmanager
def stream_lock(stream: str) -> Iterator[psycopg.Connection]:
    """Hold `stream`'s lock, as a relay does, in a connection of its own (its transaction is
    rolled back at the end unless the caller commits it)."""
    params = connection.get_connection_params()
    dsn = psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}
    )
    holder = psycopg.connect(dsn, autocommit=False)
    try:
        holder.execute("SELECT head FROM messaging_stream WHERE name = %s FOR UPDATE", [stream])
        yield holder
    finally:
        holder.close()


def waiting_for_a_stream_lock() -> int:
    """Sessions waiting for a lock in a statement on the streams (a relay's)."""
    return waiting_on_a_lock("%messaging_stream%")

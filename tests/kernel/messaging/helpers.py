from __future__ import annotations

import json
from typing import Any

import redis

from mallbots.messaging.models import OutboxMessage
from mallbots.messaging.relay import _envelope


def queued_tasks(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The Celery messages waiting in a queue on the Redis broker, oldest first."""
    raw = client.lrange(queue, 0, -1)
    messages = [json.loads(item) for item in reversed(raw)]
    return [
        {"id": m["headers"]["id"], "task": m["headers"]["task"], "args": json.loads(_body(m))[0]}
        for m in messages
    ]


def _body(message: dict[str, Any]) -> str:
    import base64

    return base64.b64decode(message["body"]).decode()


def deliveries_of(row: OutboxMessage) -> list[tuple[str, dict[str, Any], int | None]]:
    """(handler, envelope, seq) for each delivery of an outbox row, as the relay would send them."""
    envelope = _envelope(
        (
            row.position,
            row.message_id,
            row.name,
            row.version,
            row.partition_key,
            row.producer,
            row.correlation_id,
            row.causation_id,
            row.payload,
            row.metadata,
            row.deliveries,
            row.created_at,
        )
    )
    return [(d["handler"], envelope, d.get("seq")) for d in row.deliveries]

"""Removing what a benchmark run wrote to the messaging tables and to Redis: its messages and
their deliveries, its keys, its tasks still queued."""

from __future__ import annotations

import base64
import json
from typing import Any

import redis
from django.conf import settings

from mallbots.kernel.messaging.transport import DELIVER_TASK

from .common import Write
from .tasks import queues


def clean_messages(cursor: Any, ids: list[str], write: Write) -> list[str]:
    """Every trace of the run's messages: outbox and inbox rows, deliveries waiting for a
    retry or for a predecessor (only an interrupted run leaves those), and the ordering
    sequence and cursor rows of the partitions its messages used (its orders, customers,
    products, ...), so that a later message about them starts a fresh sequence. Dead letters
    are kept for inspection, with their partitions' sequences."""
    removed = []
    cursor.execute(
        "SELECT DISTINCT partition_key FROM messaging_message WHERE correlation_id = ANY(%s)", [ids]
    )
    keys = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT count(*) FROM messaging_delivery d JOIN messaging_message m ON m.message_id = d.message_id "
        "WHERE d.status = 'dead' AND m.correlation_id = ANY(%s)",
        [ids],
    )
    dead = cursor.fetchone()[0]
    if dead:
        write(f"      {dead} dead letters of this run are kept for inspection (admin, dead_letters)")
    cursor.execute(
        "DELETE FROM messaging_delivery d USING messaging_message m WHERE m.message_id = d.message_id "
        "AND d.status <> 'dead' AND m.correlation_id = ANY(%s)",
        [ids],
    )
    removed.append(f"{cursor.rowcount:,} deliveries")
    cursor.execute(
        "DELETE FROM messaging_message m WHERE m.correlation_id = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM messaging_delivery d WHERE d.message_id = m.message_id)",
        [ids],
    )
    removed.append(f"{cursor.rowcount:,} stream messages")
    rows = 0
    for table in ("partitionsequence", "partitioncursor"):
        cursor.execute(
            f"DELETE FROM messaging_{table} WHERE partition_key = ANY(%s) AND partition_key NOT IN "
            "(SELECT partition_key FROM messaging_delivery WHERE status = 'dead' AND partition_key = ANY(%s))",
            [keys, keys],
        )
        rows += cursor.rowcount
    removed.append(f"{rows:,} sequence and cursor rows")
    return removed


def clean_redis(client: redis.Redis, patterns: list[str]) -> int:
    """Deletes the keys matching these patterns; how many there were."""
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
    return int(client.delete(*keys)) if keys else 0


def remove_queued_tasks(client: redis.Redis, correlation_ids: set[str]) -> int:
    """Tasks of this run still waiting in the queues, which only an interrupted run leaves:
    benchmark tasks, and deliveries of this run's messages (their outbox and inbox rows are
    gone, so a later worker must not run them)."""
    prefix: str = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    removed = 0
    for queue in queues():
        key = prefix + queue
        messages: list[bytes] = client.lrange(key, 0, -1)  # type: ignore[assignment]
        for raw in messages:
            if task_of_run(raw, correlation_ids):
                removed += int(client.lrem(key, 1, raw))  # type: ignore[arg-type]
    return removed


def task_of_run(raw: bytes | str, correlation_ids: set[str]) -> bool:
    """Whether a message waiting in a queue is a benchmark task, or the delivery of a message
    published under one of these correlation ids."""
    try:
        message = json.loads(raw)
        task = message["headers"]["task"]
        if task.startswith("benchmark."):
            return True
        if task != DELIVER_TASK:
            return False
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return bool(args[1].get("correlation_id") in correlation_ids)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return False

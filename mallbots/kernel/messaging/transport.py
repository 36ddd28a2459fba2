"""The transport: Celery over Redis pushes deliveries to workers, fast; it is not a record of
anything. One Celery task `messaging.deliver` per delivery, on the subscriber's queue. Which
deliveries to send, and when to send them again, is decided from PostgreSQL by the relay and
the reconciliation sweep; this module only sends and reads the queues' state.

Every task carries, in a header, the time its delivery row says it was sent (the database's
clock), so the sweep can tell whether a delivery may still be waiting in its queue: a Redis
list is FIFO, so anything sent before the oldest message still waiting there has left it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings

from . import metrics

log = logging.getLogger(__name__)

DELIVER_TASK = "messaging.deliver"
SENT_HEADER = "mallbots_sent_at"


@dataclass(frozen=True)
class Push:
    """One delivery to hand to the broker."""

    handler: str
    queue: str
    envelope: dict[str, Any]
    seq: int | None
    attempt: int
    sent_at: float  # epoch seconds, as stored in the delivery row


def send(producer: Any, push: Push) -> None:
    current_app.send_task(
        DELIVER_TASK,
        args=[push.handler, push.envelope, push.seq, push.attempt],
        queue=push.queue,
        routing_key=push.queue,
        producer=producer,
        retry=False,
        headers={SENT_HEADER: push.sent_at},
        task_id=f"{push.envelope['id']}:{push.handler}:{push.attempt}",
        # A short readable summary for monitoring; by default Celery reprs the whole envelope.
        argsrepr=f"({push.handler!r}, <{push.envelope['name']} {push.envelope['id']}>, {push.seq!r}, {push.attempt})",
        kwargsrepr="{}",
    )


def push_all(pushes: Sequence[Push]) -> list[Push]:
    """Hand `pushes` to the broker in order; several in one round trip (kombu's publish batch:
    a Redis pipeline). Returns those it may not have taken, after logging why: all of them
    when it failed, since a pipeline does not say how far it got. Their rows stay due and the
    sweep sends them again; one that did arrive is then a duplicate the inbox ignores."""
    if not pushes:
        return []
    try:
        with (
            current_app.producer_or_acquire() as producer,
            # A batch of one would cost a pipeline's set-up for nothing.
            producer.batch(max_size=_BATCH_MAX) if len(pushes) > 1 else nullcontext(),
        ):
            for push in pushes:
                send(producer, push)
    except Exception:  # broker down or refusing: nothing is lost, the rows say what is left
        log.warning("the broker did not take %s deliveries; the sweep sends them", len(pushes), exc_info=True)
        return list(pushes)
    for push in pushes:
        metrics.deliveries_sent.labels(push.envelope["name"], push.handler).inc()
    return []


# Redis commands buffered before a batch flushes on its own (a relay batch is at most
# MESSAGING_RELAY_BATCH messages times their subscribers).
_BATCH_MAX = 1000


def queues() -> list[str]:
    return [settings.MESSAGING_KERNEL_QUEUE, *settings.MESSAGING_CONTEXT_QUEUES]


def stamp_sent_at(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """before_task_publish receiver: every task this process sends (beat's too) says when it
    was sent, so the oldest message of any queue has a time. Deliveries carry their row's."""
    if headers is not None and SENT_HEADER not in headers:
        headers[SENT_HEADER] = time.time()


def queue_heads(names: Iterable[str]) -> dict[str, float | None]:
    """For each queue, when the oldest message still waiting in it was sent: None when the
    queue is empty, minus infinity when its oldest message does not say (anything may still
    be waiting). Raises when the broker cannot be read."""
    names = list(names)
    with current_app.connection_for_read() as conn:
        client = conn.default_channel.client
        pipe = client.pipeline()
        for name in names:
            pipe.lindex(name, -1)  # LPUSH + BRPOP: the oldest message is at the right end
        raw = pipe.execute()
    return {name: _sent_at(item) for name, item in zip(names, raw, strict=True)}


def _sent_at(item: bytes | None) -> float | None:
    if item is None:
        return None
    try:
        value = json.loads(item)["headers"].get(SENT_HEADER)
    except (ValueError, KeyError, TypeError, AttributeError):
        value = None
    return float(value) if isinstance(value, int | float) else float("-inf")


def queue_backlog() -> dict[str, int]:
    """Messages waiting in each queue on the broker. Raises when it cannot be read."""
    names = queues()
    with current_app.connection_for_read() as conn:
        client = conn.default_channel.client
        pipe = client.pipeline()
        for name in names:
            pipe.llen(name)
        return dict(zip(names, (int(n) for n in pipe.execute()), strict=True))


def survive_channel_close_after_connection_loss() -> None:
    """kombu 5.7's Redis channel, closed after the broker connection was lost, gives back the
    messages its worker had not acknowledged through a new client built from a connection
    that is already gone: an AttributeError that kombu does not expect, and the worker dies
    ("Unrecoverable error") instead of reconnecting. Building that client now fails as the
    connection error it is, which kombu's close ignores; the worker reconnects, and the
    messages come back by the visibility timeout (and, whatever the broker kept, by the
    reconciliation sweep). Applied by the Celery app (mallbots/celery.py)."""
    from kombu.transport import redis as kombu_redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    original = kombu_redis.Channel._connparams
    if getattr(original, "mallbots_guarded", False):
        return

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection is closed")
        return original(self, asynchronous)

    _connparams.mallbots_guarded = True  # type: ignore[attr-defined]
    kombu_redis.Channel._connparams = _connparams  # type: ignore[method-assign]


def reuse_channel_client() -> None:
    """kombu 5.7's Redis channel builds a new redis-py client for every message it puts and
    every acknowledgement (each one filling a table of about 170 response callbacks: some
    100 µs of CPU, two or three times per delivery). A channel now keeps the client it built
    for as long as its connection pool stays the same; redis-py clients are safe to share
    between threads, taking a connection from the pool per command. Applied by the Celery app
    (mallbots/celery.py)."""
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._create_client
    if getattr(original, "mallbots_reused", False):
        return

    def _create_client(self: Any, asynchronous: bool = False) -> Any:
        if asynchronous:
            return original(self, asynchronous)
        pool = self.pool  # raises while the connection is gone (see above)
        client = self.__dict__.get("_mallbots_client")
        if client is None or client.connection_pool is not pool:
            client = self.__dict__["_mallbots_client"] = original(self)
        return client

    _create_client.mallbots_reused = True  # type: ignore[attr-defined]
    kombu_redis.Channel._create_client = _create_client  # type: ignore[method-assign]

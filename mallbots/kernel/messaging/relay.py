"""The relay: appends what waits in a stream's outbox to the stream and fans every message out
into one delivery per live subscriber, then hands the deliveries to the broker.

One relay at a time per stream: it takes the stream's row lock before it reads what waits, so
a message that commits while another relay holds the lock is appended by the next relay, after
everything committed before it. Stream positions thus follow commit order, without gaps, and
a partition's messages keep their publication order. There is no high-water mark: a
transaction that commits late is appended whenever it becomes visible. The relay runs in a
transaction of its own after the publishing one commits, or, for a transaction the kernel owns
that published to one stream, inside it just before its commit (append_before_commit): the
lock is held to the commit either way.

The deliveries are rows written in the append's transaction; the broker gets them after the
commit. A delivery the broker never took, or took and lost, is still a row that the
reconciliation sweep sends again (reconcile.py): the broker accepting a message proves
nothing, only the subscriber's transaction does."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import connection, transaction

from . import metrics, subscribers
from .fanout import (
    ENVELOPE_COLUMNS,
    LIVE_SUBSCRIBERS_COLUMN,
    NewDelivery,
    Target,
    envelope_of,
    insert_deliveries,
    lock_stream,
    push_after_commit,
    send,
    targets_of,
)
from .transport import Push

log = logging.getLogger(__name__)

# After a failed inline relay (broker or database down), committing processes leave the work
# to the periodic sweep for a while instead of each paying the connection timeout.
_INLINE_PAUSE_SECONDS = 5.0
_inline_paused_until = 0.0

# What waits, and who is live: read together, once the stream's lock is held; the subscribers
# on the first row only (they are the same for every row, and parsed once).
_CLAIM_SQL = (
    f"SELECT {ENVELOPE_COLUMNS}, CASE WHEN row_number() OVER (ORDER BY m.position) = 1 "
    f"THEN {LIVE_SUBSCRIBERS_COLUMN} END FROM messaging_message m "
    "WHERE m.producer = %s AND m.stream_position IS NULL ORDER BY m.position LIMIT %s"
)
_APPEND_SQL = (
    "WITH a AS (UPDATE messaging_message SET stream_position = u.sp, appended_at = statement_timestamp() "
    " FROM unnest(%s::bigint[], %s::bigint[]) AS u(pos, sp) WHERE messaging_message.position = u.pos) "
    "UPDATE messaging_stream SET head = %s WHERE name = %s"
)


def append_batch(stream: str, limit: int | None = None) -> tuple[int, list[Push]]:
    """Append up to `limit` waiting messages of `stream` and create their deliveries, in one
    transaction. Returns how many were appended and the deliveries to hand to the broker."""
    with transaction.atomic():
        appended, pushes, names = _append(stream, limit or settings.MESSAGING_RELAY_BATCH)
    for name in names:  # committed
        metrics.messages_relayed.labels(name).inc()
    return appended, pushes


def append_before_commit(stream: str) -> bool:
    """In a transaction that published to `stream` only, just before its commit: append what
    waits in the stream's outbox (its own messages and any committed earlier that no relay has
    appended yet) and send their deliveries once it has committed, so that no relay
    transaction follows the commit. The stream's lock is held from here to the commit, so
    positions still follow commit order. Returns False when more waits than one batch, or
    when the broker failed lately: the relay after the commit does the rest."""
    if not _inline_allowed():
        return False
    subscribers.ensure_synced()
    limit = settings.MESSAGING_RELAY_BATCH
    appended, pushes, names = _append(stream, limit)
    for name in names:
        metrics.count_on_commit(metrics.messages_relayed, name)
    push_after_commit(pushes, on_unsent=_pause_inline)
    return appended < limit


def _append(stream: str, limit: int) -> tuple[int, list[Push], list[str]]:
    """In the current transaction: append up to `limit` waiting messages of `stream` and create
    their deliveries. Returns how many, the deliveries to send after commit, the messages' names."""
    with connection.cursor() as cursor:
        head = lock_stream(cursor, stream)
        cursor.execute(_CLAIM_SQL, [stream, stream, limit])
        rows = cursor.fetchall()
        if not rows:
            return 0, [], []
        by_event: dict[str, list[Target]] = {}
        for target in targets_of(rows[0][-1]):
            by_event.setdefault(target.event, []).append(target)
        new: list[NewDelivery] = []
        names: list[str] = []
        for offset, row in enumerate(rows, start=1):
            envelope = envelope_of(row)
            envelope["stream_position"] = head + offset
            names.append(envelope["name"])
            new += [NewDelivery(target, envelope) for target in by_event.get(envelope["name"], ())]
        pushes = insert_deliveries(cursor, new)
        cursor.execute(
            _APPEND_SQL,
            [[row[0] for row in rows], list(range(head + 1, head + len(rows) + 1)), head + len(rows), stream],
        )
    return len(rows), pushes, names


def relay_stream(stream: str, *, max_seconds: float = 5.0, limit: int | None = None) -> int:
    """Append and send until the stream's outbox is empty or time is up. Returns how many
    messages were appended."""
    limit = limit or settings.MESSAGING_RELAY_BATCH
    deadline = time.monotonic() + max_seconds
    total = 0
    while True:
        appended, pushes = append_batch(stream, limit)
        total += appended
        unsent = send(pushes)
        if unsent:
            raise BrokerUnavailable(
                f"the broker took {len(pushes) - len(unsent)} of {len(pushes)} deliveries"
            )
        if appended < limit or time.monotonic() >= deadline:
            return total


class BrokerUnavailable(RuntimeError):
    """The deliveries are stored; the broker would not take them now."""


def waiting_streams() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT producer FROM messaging_message WHERE stream_position IS NULL")
        return sorted(row[0] for row in cursor.fetchall())


def relay_pending(
    streams: Iterable[str] | None = None, *, max_seconds: float = 5.0, limit: int | None = None
) -> int:
    """Relay these streams (every stream with messages waiting when None). Raises
    BrokerUnavailable after relaying every stream if the broker refused deliveries."""
    subscribers.ensure_synced()
    failure: BrokerUnavailable | None = None
    total = 0
    for stream in sorted(set(streams)) if streams is not None else waiting_streams():
        try:
            total += relay_stream(stream, max_seconds=max_seconds, limit=limit)
        except BrokerUnavailable as exc:
            failure = exc
    if failure is not None:
        raise failure
    return total


def _inline_allowed() -> bool:
    return settings.MESSAGING_RELAY_ON_COMMIT == "inline" and time.monotonic() >= _inline_paused_until


def _pause_inline() -> None:
    global _inline_paused_until
    _inline_paused_until = time.monotonic() + _INLINE_PAUSE_SECONDS


def wake_after_commit(streams: Iterable[str]) -> None:
    """Runs after a transaction that published messages to `streams` has committed."""
    mode = settings.MESSAGING_RELAY_ON_COMMIT
    if mode == "task":
        current_app.send_task(
            "messaging.relay_sweep", args=[sorted(streams)], queue=settings.MESSAGING_KERNEL_QUEUE
        )
        return
    if not _inline_allowed():
        return
    try:
        relay_pending(streams, max_seconds=1.0)
    except Exception:
        _pause_inline()
        log.warning("outbox relay after commit failed; the periodic sweep will send the rows", exc_info=True)

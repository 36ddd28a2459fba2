"""Turning appended messages into deliveries: one row per (message, subscriber), with the
subscriber's sequence number when it is ordered. Used by the relay for live subscribers and by
catching up for subscribers that start from the stream's history; both hold the stream's lock,
so sequence numbers follow the stream's order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from mallbots.kernel.uow import loads

from . import profile
from .transport import Push, push_all

# The columns of messaging_message that make an envelope, in envelope_of()'s order.
ENVELOPE_COLUMNS = (
    "m.position, m.message_id::text, m.name, m.version, m.partition_key, m.correlation_id, m.causation_id, "
    "m.payload, m.metadata, m.created_at, m.producer, m.stream_position"
)


def envelope_of(row: Sequence[Any]) -> dict[str, Any]:
    """The envelope of a message selected with ENVELOPE_COLUMNS (see envelope.Envelope); a
    plain dict, since dataclasses.asdict would deep-copy the payload."""
    position, message_id, name, version, key, correlation, causation, payload, metadata, created = row[:10]
    producer, stream_position = row[10:12]
    return {
        "id": message_id,
        "name": name,
        "version": version,
        "partition_key": key,
        "position": position,
        "correlation_id": correlation,
        "causation_id": causation,
        "occurred_at": created.isoformat(),
        "producer": producer,
        "payload": loads(payload),
        "metadata": loads(metadata),
        "stream_position": stream_position,
    }


_LOCK_SQL = "SELECT s.head FROM messaging_stream s WHERE s.name = %s FOR UPDATE OF s"
# The live subscribers of a stream, as a column to add to a statement that runs after the lock
# is held. Never in the locking statement itself: a statement that waited for the lock reads
# other tables as they were when it started, so a subscriber made live by the transaction it
# waited for (catching up turns live under this lock) would be missed, and so would its
# deliveries of what the relay appends next.
LIVE_SUBSCRIBERS_COLUMN = (
    "(SELECT coalesce(json_agg(json_build_array(b.name, b.event, b.queue, b.sequence)), '[]') "
    " FROM messaging_subscriber b WHERE b.stream = %s AND b.state = 'live')"
)


@dataclass(frozen=True)
class Target:
    """A subscriber as the fan-out sees it."""

    handler: str
    event: str
    queue: str
    sequence: str  # "" when unordered


@dataclass(frozen=True)
class NewDelivery:
    target: Target
    envelope: dict[str, Any]


def lock_stream(cursor: Any, stream: str) -> int:
    """Lock `stream` until the end of the transaction (appends to one stream happen one at a
    time, in commit order); its head."""
    cursor.execute(_LOCK_SQL, [stream])
    row = cursor.fetchone()
    if row is None:
        cursor.execute(
            "INSERT INTO messaging_stream (name, head) VALUES (%s, 0) ON CONFLICT DO NOTHING", [stream]
        )
        cursor.execute(_LOCK_SQL, [stream])
        row = cursor.fetchone()
    head: int = row[0]
    return head


def targets_of(live: str | list[Any]) -> list[Target]:
    """The subscribers LIVE_SUBSCRIBERS_COLUMN selected."""
    return [Target(*entry) for entry in loads(live)]


def assign_seqs(cursor: Any, wanted: Sequence[tuple[str, str]]) -> list[int]:
    """The next numbers of (sequence, partition key) pairs, in the order asked: gapless,
    because the counters move in the caller's transaction. Counters are locked in name order,
    so two transactions numbering overlapping pairs cannot deadlock."""
    if not wanted:
        return []
    counts = Counter(wanted)
    pairs = sorted(counts)
    cursor.execute(
        "INSERT INTO messaging_partitionsequence (sequence, partition_key, last) "
        "SELECT s, k, n FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS t(s, k, n) ORDER BY s, k "
        "ON CONFLICT (sequence, partition_key) "
        "DO UPDATE SET last = messaging_partitionsequence.last + EXCLUDED.last "
        "RETURNING sequence, partition_key, last",
        [[s for s, _ in pairs], [k for _, k in pairs], [counts[p] for p in pairs]],
    )
    next_of = {(s, k): last - counts[(s, k)] + 1 for s, k, last in cursor.fetchall()}
    numbers = []
    for pair in wanted:
        numbers.append(next_of[pair])
        next_of[pair] += 1
    return numbers


_INSERT_SQL = (
    "INSERT INTO messaging_delivery (handler, message_id, position, name, partition_key, queue, sequence, "
    " seq, status, attempts, created_at, sent_at, due_at, last_error) "
    "SELECT h, m::uuid, p, n, k, q, s, x, 'pending', 0, statement_timestamp(), statement_timestamp(), "
    " statement_timestamp() + make_interval(secs => %s), '' "
    "FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
    " %s::bigint[]) AS t(h, m, p, n, k, q, s, x) "
    "ON CONFLICT (message_id, handler) DO NOTHING "
    "RETURNING handler, message_id::text, extract(epoch FROM sent_at)::float8"
)


def insert_deliveries(cursor: Any, new: Sequence[NewDelivery]) -> list[Push]:
    """Create the deliveries (numbering those of ordered subscribers) and return what to hand
    to the broker after commit. A delivery that exists already is left as it is."""
    if not new:
        return []
    ordered = [(d.target.sequence, d.envelope["partition_key"]) for d in new if d.target.sequence]
    numbers = iter(assign_seqs(cursor, ordered))
    seqs = [next(numbers) if d.target.sequence else None for d in new]
    cursor.execute(
        _INSERT_SQL,
        [
            settings.MESSAGING_REDELIVER_AFTER_SECONDS,
            [d.target.handler for d in new],
            [d.envelope["id"] for d in new],
            [d.envelope["position"] for d in new],
            [d.envelope["name"] for d in new],
            [d.envelope["partition_key"] for d in new],
            [d.target.queue for d in new],
            [d.target.sequence for d in new],
            seqs,
        ],
    )
    created = {(handler, message_id): sent for handler, message_id, sent in cursor.fetchall()}
    pushes = []
    for d, seq in zip(new, seqs, strict=True):
        sent = created.get((d.target.handler, d.envelope["id"]))
        if sent is not None:
            pushes.append(Push(d.target.handler, d.target.queue, d.envelope, seq, 0, sent))
    return pushes


def send(pushes: Sequence[Push]) -> list[Push]:
    """Hand `pushes` to the broker now. Those it did not take are marked unsent (due now, in no
    queue) for the sweep, and returned."""
    unsent = push_all(pushes)
    if unsent:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE messaging_delivery SET sent_at = NULL, due_at = statement_timestamp() "
                "FROM unnest(%s::uuid[], %s::text[]) AS u(m, h) "
                "WHERE message_id = u.m AND handler = u.h AND due_at IS NOT NULL",
                [[p.envelope["id"] for p in unsent], [p.handler for p in unsent]],
            )
    return unsent


def push_after_commit(pushes: Sequence[Push], on_unsent: Callable[[], None] | None = None) -> None:
    """Hand `pushes` to the broker once the current transaction commits; `on_unsent` runs when
    it did not take them all."""
    if pushes:
        transaction.on_commit(lambda: _send_profiled(pushes, on_unsent), robust=True)


def _send_profiled(pushes: Sequence[Push], on_unsent: Callable[[], None] | None) -> None:
    with profile.phase("relay"):
        if send(pushes) and on_unsent is not None:
            on_unsent()

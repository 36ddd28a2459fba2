"""PostgreSQL event store and the event-sourced aggregate repository.

Each command's events go in with one INSERT. That statement first takes a transaction-scoped
advisory lock on the stream, so a projection rebuild of the stream (which takes the same
lock) never interleaves with a live append; the unique (stream, version) constraint then
decides concurrent writers: the loser gets ConcurrencyError and its service retries.

Loading an aggregate inside a transaction takes that lock first (waiting at most
EVENTSTORE_STREAM_WAIT_SECONDS), so commands on one aggregate run one after the other, each
on the state the previous one committed: a burst on one hot aggregate waits instead of
failing. The constraint stays the guarantee; the lock only spares the losers their retries."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection

from mallbots.kernel.ddd import DomainEvent, EventSourcedAggregate, NotFound, domain_events
from mallbots.kernel.ddd.serde import from_data, to_data
from mallbots.kernel.uow import ConcurrencyError, Recorded, StreamBusy, ambient_context, dispatch, loads

A = TypeVar("A", bound=EventSourcedAggregate)

_UNIQUE_STREAM_VERSION = "eventstore_event_stream_version"


_LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class StoredEvent:
    position: int
    stream_type: str
    stream_id: str
    version: int
    event_type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: datetime

    def to_recorded(self) -> Recorded[DomainEvent]:
        return Recorded(
            event=decode(self.event_type, self.schema_version, self.data),
            stream_type=self.stream_type,
            stream_id=self.stream_id,
            version=self.version,
            metadata=self.metadata,
            occurred_at=self.occurred_at,
        )


def encode(event: DomainEvent) -> dict[str, Any]:
    return to_data(event)


def decode(event_type: str, schema_version: int, data: dict[str, Any]) -> DomainEvent:
    """Rebuild an event stored at any schema version, upcasting it to the current one."""
    cls = domain_events.get(event_type)
    event: DomainEvent = from_data(cls, domain_events.upcast(event_type, schema_version, data))
    return event


def stream_lock_key(stream_type: str, stream_id: str) -> str:
    return f"{stream_type}:{stream_id}"


def wait_for_stream(stream_type: str, stream_id: str, *, timeout: float) -> None:
    """Take the stream's advisory lock for the rest of the transaction, waiting at most
    `timeout` seconds for the commands holding it to commit (StreamBusy past that). Outside a
    transaction, or with no timeout, it does nothing: there is no turn to wait for."""
    if timeout <= 0 or not connection.in_atomic_block:
        return
    key = stream_lock_key(stream_type, stream_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        if cursor.fetchone()[0]:
            return  # nobody holds it: the usual case costs one round trip
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{max(1, round(timeout * 1000))}ms"])
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise StreamBusy(f"{stream_type}/{stream_id} stayed locked for {timeout}s") from exc
            raise
        # Later lock waits of the command (row locks) keep the session's own timeout.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


_EVENT_COLUMNS = (
    "position, stream_type, stream_id, version, event_type, schema_version, data, metadata, occurred_at"
)


def _row_to_stored(row: tuple[Any, ...]) -> StoredEvent:
    (
        position,
        stream_type,
        stream_id,
        version,
        event_type,
        schema_version,
        data,
        metadata,
        occurred_at,
    ) = row
    return StoredEvent(
        position,
        stream_type,
        stream_id,
        version,
        event_type,
        schema_version,
        loads(data),
        loads(metadata),
        occurred_at,
    )


@functools.lru_cache(maxsize=64)
def _append_sql(count: int) -> str:
    """One statement that takes the stream's lock and inserts `count` events after it."""
    rows = ", ".join(["(%s::int, %s::text, %s::smallint, %s::jsonb)"] * count)
    return (
        "WITH stream_lock AS (SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))) "
        "INSERT INTO eventstore_event "
        "(stream_type, stream_id, version, event_type, schema_version, data, metadata) "
        "SELECT %s, %s, v.version, v.event_type, v.schema_version, v.data, %s::jsonb "
        f"FROM stream_lock, (VALUES {rows}) AS v(version, event_type, schema_version, data) "
        "RETURNING position, occurred_at"
    )


def append(
    stream_type: str, stream_id: str, expected_version: int, events: list[DomainEvent]
) -> list[Recorded[DomainEvent]]:
    """Append `events` after `expected_version`, all in one statement. Raises ConcurrencyError
    when the stream moved on. Must run inside a transaction."""
    if not events:
        return []
    metadata = ambient_context().as_metadata()
    params: list[Any] = [
        stream_lock_key(stream_type, stream_id),
        stream_type,
        stream_id,
        json.dumps(metadata),
    ]
    for version, event in enumerate(events, start=expected_version + 1):
        params += [version, event.event_name, event.event_version, json.dumps(encode(event))]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_append_sql(len(events)), params)
            occurred_at = cursor.fetchall()[0][1]
    except IntegrityError as exc:
        if _UNIQUE_STREAM_VERSION in str(exc):
            raise ConcurrencyError(
                f"{stream_type}/{stream_id} moved past version {expected_version}"
            ) from exc
        raise
    return [
        Recorded(event, stream_type, stream_id, version, metadata, occurred_at)
        for version, event in enumerate(events, start=expected_version + 1)
    ]


def read_stream(stream_type: str, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_EVENT_COLUMNS} FROM eventstore_event "
            "WHERE stream_type = %s AND stream_id = %s AND version > %s ORDER BY version",
            [stream_type, stream_id, after_version],
        )
        return [_row_to_stored(row) for row in cursor.fetchall()]


def read_all(
    after_position: int = 0,
    limit: int = 1000,
    stream_types: Iterable[str] | None = None,
) -> list[StoredEvent]:
    """Events in global position order, for replays and inspection."""
    sql = f"SELECT {_EVENT_COLUMNS} FROM eventstore_event WHERE position > %s"
    params: list[Any] = [after_position]
    if stream_types is not None:
        sql += " AND stream_type = ANY(%s)"
        params.append(list(stream_types))
    sql += " ORDER BY position LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_row_to_stored(row) for row in cursor.fetchall()]


def snapshot_every(stream_type: str) -> int:
    policy: dict[str, int] = settings.EVENTSTORE_SNAPSHOT_EVERY
    return int(policy.get(stream_type, policy.get("default", 0)))


# Stream type -> the aggregate class its events fold into, filled by each repository (the first
# one of a stream type wins), so tools can replay any stream without knowing the contexts.
_aggregate_types: dict[str, type[EventSourcedAggregate]] = {}


def aggregate_type_of(stream_type: str) -> type[EventSourcedAggregate] | None:
    return _aggregate_types.get(stream_type)


def aggregate_types() -> dict[str, type[EventSourcedAggregate]]:
    return dict(_aggregate_types)


def state_at(events: Iterable[StoredEvent], stream_id: str, version: int) -> EventSourcedAggregate:
    """The aggregate of `events`' stream as it was at `version`: a fresh instance with the events
    up to it replayed (upcast as on load, no snapshot). LookupError when no repository of the
    stream type was made."""
    events = list(events)
    stream_type = events[0].stream_type if events else ""
    cls = aggregate_type_of(stream_type)
    if cls is None:
        raise LookupError(f"no aggregate class is registered for stream type {stream_type!r}")
    aggregate = cls(stream_id)
    for stored in events:
        if stored.version > version:
            break
        aggregate.apply(decode(stored.event_type, stored.schema_version, stored.data))
        aggregate.version = stored.version
    return aggregate


class AggregateRepository(Generic[A]):
    """Loads an aggregate from its latest usable snapshot plus the events after it, saves its
    pending events with optimistic concurrency, snapshots every N events, and dispatches the
    saved events as domain events in the same transaction."""

    def __init__(self, aggregate_type: type[A], *, not_found: type[NotFound] = NotFound) -> None:
        self.aggregate_type = aggregate_type
        self.stream_type = aggregate_type.stream_type
        self.not_found = not_found
        _aggregate_types.setdefault(self.stream_type, aggregate_type)

    def get(self, id: str) -> A:
        aggregate = self.find(id)
        if aggregate is None:
            raise self.not_found()
        return aggregate

    def find(self, id: str) -> A | None:
        """The aggregate, or None when its stream has no events. In a transaction, waits for
        the stream's turn first (see the module's docstring)."""
        wait_for_stream(self.stream_type, id, timeout=settings.EVENTSTORE_STREAM_WAIT_SECONDS)
        # One round trip: the snapshot (only if its schema is current) and the events after it.
        sql = (
            "WITH snap AS (SELECT version, state FROM eventstore_snapshot "
            "WHERE stream_type = %s AND stream_id = %s AND schema_version = %s) "
            "SELECT 0, version, NULL, NULL, state FROM snap "
            "UNION ALL "
            "SELECT 1, version, event_type, schema_version, data FROM eventstore_event "
            "WHERE stream_type = %s AND stream_id = %s "
            "AND version > COALESCE((SELECT version FROM snap), 0) "
            "ORDER BY 1, 2"
        )
        cls = self.aggregate_type
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.stream_type, id, cls.snapshot_version, self.stream_type, id])
            rows = cursor.fetchall()
        if not rows:
            return None
        aggregate: A
        if rows[0][0] == 0:
            aggregate = cls.restore(id, loads(rows[0][4]))  # type: ignore[assignment]
            aggregate.version = rows[0][1]
            rows = rows[1:]
        else:
            aggregate = cls(id)
        for _, version, event_type, schema_version, data in rows:
            aggregate.apply(decode(event_type, schema_version, loads(data)))
            aggregate.version = version
        return aggregate

    def save(self, aggregate: A) -> list[Recorded[DomainEvent]]:
        events = list(aggregate.pending_events)
        if not events:
            return []
        before = aggregate.version
        records = append(self.stream_type, aggregate.id, before, events)
        aggregate.version = aggregate.pending_version
        aggregate.clear_events()
        every = snapshot_every(self.stream_type)
        if every and before // every != aggregate.version // every:
            self._snapshot(aggregate)
        dispatch(records)
        return records

    def _snapshot(self, aggregate: A) -> None:
        state = aggregate.snapshot()
        if state is None:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO eventstore_snapshot (stream_type, stream_id, version, schema_version, state, created_at) "
                "VALUES (%s, %s, %s, %s, %s::jsonb, now()) "
                "ON CONFLICT (stream_type, stream_id) DO UPDATE SET version = EXCLUDED.version, "
                "schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, created_at = now() "
                "WHERE eventstore_snapshot.version < EXCLUDED.version",
                [
                    self.stream_type,
                    aggregate.id,
                    aggregate.version,
                    aggregate.snapshot_version,
                    json.dumps(state),
                ],
            )

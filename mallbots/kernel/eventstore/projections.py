"""Read models as projections of the event store.

A projection handles some domain event types, both live (as a domain-event receiver, in the
command's transaction) and in a rebuild (replayed from the store). It must only touch rows
derived from the stream of the event it handles, and say how to forget a stream's rows;
then a rebuild can run stream by stream while the system runs: each stream is locked with
the same advisory lock appends take, forgotten, and replayed, so no live append interleaves
and running it twice gives the same result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar, overload

from django.db import connection, transaction
from django.utils import timezone

from mallbots.kernel.ddd import DomainEvent
from mallbots.kernel.uow import Recorded, domain_event

from .models import ProjectionRun
from .store import _EVENT_COLUMNS, _row_to_stored, stream_lock_key

P = TypeVar("P", bound="Projection")
E1 = TypeVar("E1", bound=DomainEvent)
E2 = TypeVar("E2", bound=DomainEvent)
E3 = TypeVar("E3", bound=DomainEvent)

Handler = Callable[[Any, Recorded[Any]], None]


# As the kernel's `receiver`: the method's record parameter must accept exactly the union of
# the event types it handles; past three, any domain event.
@overload
def handles(
    t1: type[E1], /
) -> Callable[[Callable[[P, Recorded[E1]], None]], Callable[[P, Recorded[E1]], None]]: ...
@overload
def handles(
    t1: type[E1], t2: type[E2], /
) -> Callable[[Callable[[P, Recorded[E1 | E2]], None]], Callable[[P, Recorded[E1 | E2]], None]]: ...
@overload
def handles(
    t1: type[E1], t2: type[E2], t3: type[E3], /
) -> Callable[[Callable[[P, Recorded[E1 | E2 | E3]], None]], Callable[[P, Recorded[E1 | E2 | E3]], None]]: ...
@overload
def handles(
    *event_types: type[DomainEvent],
) -> Callable[[Callable[[P, Recorded[DomainEvent]], None]], Callable[[P, Recorded[DomainEvent]], None]]: ...
def handles(*event_types: type[DomainEvent]) -> Callable[[Handler], Handler]:
    def mark(fn: Handler) -> Handler:
        fn.__handles__ = event_types  # type: ignore[attr-defined]
        return fn

    return mark


class Projection:
    """Subclass, set `name` and `stream_types`, mark methods with `@handles(Event, ...)`,
    implement `forget(stream_type, stream_id)`, and register an instance in AppConfig.ready()."""

    name: ClassVar[str]
    stream_types: ClassVar[tuple[str, ...]]

    def handlers(self) -> dict[type[DomainEvent], Callable[[Recorded[DomainEvent]], None]]:
        found: dict[type[DomainEvent], Callable[[Recorded[DomainEvent]], None]] = {}
        for klass in reversed(type(self).__mro__):
            for attr_name, attr in vars(klass).items():
                for event_type in getattr(attr, "__handles__", ()):
                    found[event_type] = getattr(self, attr_name)
        return found

    def forget(self, stream_type: str, stream_id: str) -> None:
        raise NotImplementedError

    def handle(self, record: Recorded[DomainEvent]) -> None:
        handler = self.handlers().get(type(record.event))
        if handler is not None:
            handler(record)


_registry: dict[str, Projection] = {}


def register(projection: Projection) -> Projection:
    if projection.name in _registry and type(_registry[projection.name]) is not type(projection):
        raise ValueError(f"a projection named {projection.name} is already registered")
    _registry[projection.name] = projection
    for event_type, handler in projection.handlers().items():
        domain_event.connect(
            _receiver(handler),
            sender=event_type,
            weak=False,
            dispatch_uid=f"projection:{projection.name}",
        )
    return projection


def _receiver(handler: Callable[[Recorded[DomainEvent]], None]) -> Callable[..., None]:
    def on_signal(sender: type, record: Recorded[DomainEvent], **kwargs: Any) -> None:
        handler(record)

    return on_signal


def registered() -> dict[str, Projection]:
    return dict(sorted(_registry.items()))


def get(name: str) -> Projection:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(
            f"unknown projection {name!r}; known: {', '.join(sorted(_registry)) or 'none'}"
        ) from None


def count_streams(projection: Projection) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT (stream_type, stream_id)) FROM eventstore_event WHERE stream_type = ANY(%s)",
            [list(projection.stream_types)],
        )
        return int(cursor.fetchone()[0])


def _stream_batches(projection: Projection, batch_size: int) -> Iterator[list[tuple[str, str]]]:
    last: tuple[str, str] = ("", "")
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT stream_type, stream_id FROM eventstore_event "
                "WHERE stream_type = ANY(%s) AND (stream_type, stream_id) > (%s, %s) "
                "ORDER BY stream_type, stream_id LIMIT %s",
                [list(projection.stream_types), last[0], last[1], batch_size],
            )
            batch = [(row[0], row[1]) for row in cursor.fetchall()]
        if not batch:
            return
        yield batch
        last = batch[-1]


def rebuild(
    projection: Projection,
    *,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Rebuild every stream the projection follows. Returns (streams, events) replayed."""
    started = timezone.now()
    ProjectionRun.objects.update_or_create(
        name=projection.name, defaults={"last_rebuild_started_at": started}
    )
    handlers = {event_type.event_name: fn for event_type, fn in projection.handlers().items()}
    streams = events = 0
    for batch in _stream_batches(projection, batch_size):
        with transaction.atomic(), connection.cursor() as cursor:
            keys = sorted(stream_lock_key(t, i) for t, i in batch)
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(%s::text[]) AS k",
                [keys],
            )
            # Only the event types this projection handles are read and decoded.
            cursor.execute(
                f"SELECT {_EVENT_COLUMNS} FROM eventstore_event "
                "WHERE (stream_type, stream_id) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
                "AND event_type = ANY(%s) ORDER BY stream_type, stream_id, version",
                [[t for t, _ in batch], [i for _, i in batch], list(handlers)],
            )
            stored = [_row_to_stored(row) for row in cursor.fetchall()]
            for stream_type, stream_id in batch:
                projection.forget(stream_type, stream_id)
            for event in stored:
                handlers[event.event_type](event.to_recorded())
        streams += len(batch)
        events += len(stored)
        if progress is not None:
            progress(len(batch), len(stored))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(position), 0) FROM eventstore_event")
        head = int(cursor.fetchone()[0])
    ProjectionRun.objects.filter(name=projection.name).update(
        last_rebuild_finished_at=timezone.now(),
        streams_rebuilt=streams,
        events_replayed=events,
        head_position=head,
    )
    return streams, events

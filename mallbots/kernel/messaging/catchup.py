"""Catching up on a stream's history, and replaying a subscriber.

A catching-up subscriber walks its stream in stream order from the start it was given,
creates the deliveries it lacks (numbered in order when it is ordered) and sends them. Once it
reaches the head it takes the stream's lock, the one the relay appends under, finishes, and
turns live in the same transaction: between history and live traffic there is no gap and no
duplicate. The handlers of one order group catch up together, their streams merged by global
position, which follows causality across streams (a message caused by another was written
after the other was appended). The beat task `messaging.catch_up` moves catching-up
subscribers along; `manage.py streams replay` does it at once."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from . import registry
from .consumer import process
from .fanout import (
    ENVELOPE_COLUMNS,
    NewDelivery,
    Target,
    envelope_of,
    insert_deliveries,
    lock_stream,
)
from .fanout import send as fanout_send
from .models import Delivery, PartitionCursor, PartitionSequence, StreamMessage, Subscriber
from .transport import Push

log = logging.getLogger(__name__)


# --- Catching up ------------------------------------------------------------------------


def unit_of(name: str) -> list[str]:
    """The subscribers that catch up together with `name`: its order group, or itself."""
    row = Subscriber.objects.get(name=name)
    if not row.sequence:
        return [row.name]
    return sorted(Subscriber.objects.filter(sequence=row.sequence).values_list("name", flat=True))


@dataclass
class CatchUp:
    done: bool = False  # the unit is live
    busy: bool = False  # another process is catching it up
    walked: int = 0  # messages of its streams looked at
    delivered: int = 0  # deliveries created and sent


def _start_filter(start: str) -> Callable[[dict[str, Any], datetime], bool]:
    kind, _, value = start.partition(":")
    if kind == "position":
        first = int(value)
        return lambda envelope, created: envelope["position"] >= first
    if kind == "time":
        moment = datetime.fromisoformat(value)
        return lambda envelope, created: created >= moment
    return lambda envelope, created: True


_WALK_SQL = (
    f"SELECT {ENVELOPE_COLUMNS} FROM messaging_message m "
    "WHERE m.producer = %s AND m.stream_position > %s AND m.name = ANY(%s) ORDER BY m.stream_position LIMIT %s"
)


def _walk(cursor: Any, members: Sequence[Subscriber], limit: int) -> tuple[list[tuple[Any, ...]], bool]:
    """The next messages for `members`, per stream in stream order and merged across streams
    by global position. Returns them and whether every stream is walked to its end."""
    streams: dict[str, tuple[int, list[str]]] = {}
    for member in members:
        start, events = streams.get(member.stream, (member.caught_up_to, []))
        streams[member.stream] = (min(start, member.caught_up_to), [*events, member.event])
    buffers: dict[str, deque[tuple[Any, ...]]] = {}
    more: dict[str, bool] = {}
    for stream, (start, events) in sorted(streams.items()):
        cursor.execute(_WALK_SQL, [stream, start, events, limit])
        rows = cursor.fetchall()
        buffers[stream], more[stream] = deque(rows), len(rows) == limit
    walked: list[tuple[Any, ...]] = []
    while True:
        if any(more[s] and not buffers[s] for s in buffers):
            break  # that stream's next message may come first: fetch again
        ready = [s for s in buffers if buffers[s]]
        if not ready:
            break
        walked.append(buffers[min(ready, key=lambda s: buffers[s][0][0])].popleft())
    return walked, not any(more.values()) and not any(buffers.values())


def _deliver(cursor: Any, members: Sequence[Subscriber], walked: Sequence[tuple[Any, ...]]) -> list[Push]:
    """Create the members' missing deliveries of `walked` (and make open ones due now);
    advance each member's walk."""
    targets: dict[str, list[tuple[Subscriber, Callable[[dict[str, Any], datetime], bool]]]] = {}
    for member in members:
        targets.setdefault(member.event, []).append((member, _start_filter(member.start_from)))
    new: list[NewDelivery] = []
    for row in walked:
        envelope, created = envelope_of(row), row[9]
        for member in members:  # the members of one stream walk it together
            if member.stream == envelope["producer"]:
                member.caught_up_to = max(member.caught_up_to, envelope["stream_position"])
        for member, wanted in targets.get(envelope["name"], ()):
            if member.stream == envelope["producer"] and wanted(envelope, created):
                new.append(
                    NewDelivery(Target(member.name, member.event, member.queue, member.sequence), envelope)
                )
    pushes = insert_deliveries(cursor, new)
    created_keys = {(p.handler, p.envelope["id"]) for p in pushes}
    existing = [d for d in new if (d.target.handler, d.envelope["id"]) not in created_keys]
    if existing:  # delivered before: if still open, send it again soon (the inbox skips handled ones)
        cursor.execute(
            "UPDATE messaging_delivery SET due_at = statement_timestamp() FROM unnest(%s::uuid[], %s::text[]) "
            "AS u(m, h) WHERE message_id = u.m AND handler = u.h AND status IN ('pending', 'retrying', 'held')",
            [[d.envelope["id"] for d in existing], [d.target.handler for d in existing]],
        )
    for member in members:
        member.updated_at = timezone.now()
        member.save(update_fields=["caught_up_to", "updated_at"])
    return pushes


def catch_up(
    names: Sequence[str],
    *,
    max_seconds: float = 5.0,
    batch: int = 500,
    on_progress: Callable[[int], object] | None = None,
    deliver: Callable[[Sequence[Push]], object] | None = None,
) -> CatchUp:
    """Move a catching-up unit (see unit_of) along its streams for up to `max_seconds`, and
    make it live when it reaches their heads. What it delivers goes to the broker, or to
    `deliver` (after each batch's commit, in the order created)."""
    result = CatchUp()
    deadline = time.monotonic() + max_seconds
    while True:
        pushes: list[Push] = []
        with transaction.atomic(), connection.cursor() as cursor:
            members = list(
                Subscriber.objects.select_for_update(skip_locked=True)
                .filter(name__in=names, state=Subscriber.State.CATCHING_UP)
                .order_by("name")
            )
            if len(members) != len(names):
                states = set(Subscriber.objects.filter(name__in=names).values_list("state", flat=True))
                result.done = Subscriber.State.CATCHING_UP not in states
                result.busy = not result.done
                return result
            walked, at_end = _walk(cursor, members, batch)
            if at_end:
                # Hold the streams' locks: no relay appends until these members are live.
                for stream in sorted({m.stream for m in members}):
                    lock_stream(cursor, stream)
                while True:
                    pushes += _deliver(cursor, members, walked)
                    result.walked += len(walked)
                    walked, drained = _walk(cursor, members, batch)
                    if drained and not walked:
                        break
                Subscriber.objects.filter(name__in=names).update(
                    state=Subscriber.State.LIVE, updated_at=timezone.now()
                )
                result.done = True
            else:
                pushes += _deliver(cursor, members, walked)
                result.walked += len(walked)
        (deliver or fanout_send)(pushes)
        result.delivered += len(pushes)
        if on_progress is not None:
            on_progress(len(walked))
        if result.done or time.monotonic() >= deadline:
            if result.done:
                log.info("caught up: %s (%s deliveries)", ", ".join(names), result.delivered)
            return result


def catching_up_units() -> list[list[str]]:
    rows = Subscriber.objects.filter(state=Subscriber.State.CATCHING_UP).order_by("name")
    units: dict[str, list[str]] = {}
    for row in rows:
        units.setdefault(row.sequence or row.name, []).append(row.name)
    return list(units.values())


def advance(max_seconds: float = 5.0) -> int:
    """Move every catching-up unit along (the beat task). Returns the deliveries sent."""
    deadline = time.monotonic() + max_seconds
    sent = 0
    for names in catching_up_units():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sent += catch_up(names, max_seconds=remaining).delivered
    return sent


# --- Replay ------------------------------------------------------------------------------


def replay_here(
    names: Sequence[str],
    start: str,
    *,
    forget: bool = False,
    on_progress: Callable[[int], object] | None = None,
) -> int:
    """Replay these subscribers (each with its order group) from `start` and handle what they
    get here, in this process, in order, instead of through the broker: a rebuild that needs
    no worker. Returns the deliveries handled."""

    def handle(pushes: Sequence[Push]) -> None:
        for push in pushes:
            process(push.handler, push.envelope, push.seq, push.attempt)

    handled, done = 0, set[str]()
    for name in names:
        unit = unit_of(name)
        if done.intersection(unit):
            continue
        done.update(unit)
        replay(name, start, forget=forget)
        while not (result := catch_up(unit, max_seconds=60.0, on_progress=on_progress, deliver=handle)).done:
            handled += result.delivered
            if result.busy:
                time.sleep(0.5)  # the beat task holds it for a moment: let it finish its batch
        handled += result.delivered
    return handled


@dataclass(frozen=True)
class ReplayPlan:
    members: tuple[str, ...]
    start: str  # where the walk starts for these members
    forget: bool
    messages: int  # messages of the members' events from the start
    missing: int  # without a delivery: delivered now
    open: int  # not handled yet: sent again
    handled: int  # handled already: unchanged, the inbox skips them (unless forgotten)
    skipped: int  # older than an ordered unit's newest delivery: not delivered without --forget


def _count(members: Sequence[Subscriber], start: str) -> dict[str, int]:
    totals = {"messages": 0, "missing": 0, "open": 0, "handled": 0}
    wanted = _start_filter(start)
    with connection.cursor() as cursor:
        for member in members:
            cursor.execute(
                "SELECT m.position, m.created_at, d.status FROM messaging_message m "
                "LEFT JOIN messaging_delivery d ON d.message_id = m.message_id AND d.handler = %s "
                "WHERE m.producer = %s AND m.name = %s AND m.stream_position IS NOT NULL",
                [member.name, member.stream, member.event],
            )
            for position, created, status in cursor.fetchall():
                if not wanted({"position": position}, created):
                    continue
                totals["messages"] += 1
                if status is None:
                    totals["missing"] += 1
                elif status in Delivery.OPEN:
                    totals["open"] += 1
                else:
                    totals["handled"] += 1
    return totals


def replay(name: str, start: str, *, forget: bool = False, dry_run: bool = False) -> ReplayPlan:
    """Start `name` (and its order group) catching up again from `start` ("earliest",
    "position:N", "time:ISO8601"). Messages it never had are delivered, open deliveries are
    sent again, handled ones change nothing (the inbox). With `forget`, it first forgets what
    it handled from `start` on, so those effects run again (to rebuild a read model that was
    emptied); an ordered unit forgets all or nothing, so it needs `start="earliest"`.

    Without `forget`, an ordered unit cannot take history older than what it has handled
    (its partitions' numbers are given): it replays from just after its newest delivery."""
    start = registry.parse_start(start)
    if start == "new":
        raise ValueError("replay from earliest, position:N or time:ISO8601")
    names = unit_of(name)
    members = list(Subscriber.objects.filter(name__in=names).order_by("name"))
    if any(m.state == Subscriber.State.RETIRED for m in members):
        raise ValueError(f"{name} is retired: it is no longer subscribed in the code")
    sequence = members[0].sequence
    skipped = 0
    if sequence and forget and start != "earliest":
        raise ValueError(f"{name} is ordered: it forgets everything or nothing, so replay it --from earliest")
    if sequence and not forget:
        newest = Delivery.objects.filter(handler__in=names).aggregate(p=Max("position"))["p"]
        if newest is not None and _first_position(start) <= newest:
            requested = _count(members, start)["missing"]
            start = f"position:{newest + 1}"
            skipped = requested - _count(members, start)["missing"]
    counts = _count(members, start)
    if forget:
        counts = {**counts, "missing": counts["messages"], "open": 0, "handled": 0}
    plan = ReplayPlan(tuple(names), start, forget, skipped=skipped, **counts)
    if dry_run:
        return plan
    with transaction.atomic():
        locked = list(Subscriber.objects.select_for_update().filter(name__in=names))
        if forget:
            _forget(locked, start)
        Subscriber.objects.filter(name__in=names).update(
            state=Subscriber.State.CATCHING_UP, start_from=start, caught_up_to=0, updated_at=timezone.now()
        )
    return plan


def _first_position(start: str) -> int:
    """The lowest global position a start point lets in."""
    kind, _, value = start.partition(":")
    if kind == "position":
        return int(value)
    if kind == "time":
        first = StreamMessage.objects.filter(created_at__gte=datetime.fromisoformat(value)).aggregate(
            p=Min("position")
        )["p"]
        return first if first is not None else 2**62
    return 0


def _forget(members: Sequence[Subscriber], start: str) -> None:
    names = [m.name for m in members]
    deliveries = Delivery.objects.filter(handler__in=names)
    sequence = members[0].sequence
    if sequence:  # everything: its numbers start again at 1
        PartitionCursor.objects.filter(sequence=sequence).delete()
        PartitionSequence.objects.filter(sequence=sequence).delete()
    else:
        kind, _, value = start.partition(":")
        if kind == "position":
            deliveries = deliveries.filter(position__gte=int(value))
        elif kind == "time":
            since = StreamMessage.objects.filter(created_at__gte=datetime.fromisoformat(value))
            deliveries = deliveries.filter(message_id__in=since.values("message_id"))
    deliveries.delete()

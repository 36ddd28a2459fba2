"""Subscribers: what PostgreSQL knows of each handler.

Every `subscribe()` of the code is a Subscriber row (recorded after every `migrate`, and by
the relay of a process that subscribed later), with its stream, queue, sequence and state:

- `live`: the relay creates its delivery of every message appended to its stream;
- `catching_up`: it handles retained history first (catchup.py);
- `retired`: no longer subscribed in the code: nothing is delivered to it any more.

"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import registry
from .models import Delivery, Stream, Subscriber

log = logging.getLogger(__name__)

_synced_generation = -1


def ensure_synced() -> None:
    """Record this process's subscriptions if it has new ones (cheap when it has none)."""
    if registry.generation != _synced_generation:
        sync(retire=False)


def sync(*, retire: bool) -> list[str]:
    """Record every subscription of this process: new ones start where they say, changed ones
    take their new queue and sequence. With `retire`, subscribers the code no longer has are
    retired and their open deliveries discarded. Returns the names of new subscribers."""
    global _synced_generation
    generation = registry.generation
    subs = registry.all_subscriptions()
    now = timezone.now()
    with transaction.atomic():
        rows = {row.name: row for row in Subscriber.objects.select_for_update()}
        sequences_with_history = {row.sequence for row in rows.values() if row.sequence}
        with_history = set(Stream.objects.filter(head__gt=0).values_list("name", flat=True))
        new = []
        for sub in subs:
            fields = {
                "event": sub.event_name,
                "stream": sub.event_type.event_producer,
                "queue": sub.queue,
                "sequence": sub.sequence or "",
            }
            row = rows.get(sub.name)
            if row is None:
                new.append(
                    _new_subscriber(
                        sub, fields, sequences_with_history, fields["stream"] in with_history, now
                    )
                )
            elif row.state == Subscriber.State.RETIRED or any(
                getattr(row, k) != v for k, v in fields.items()
            ):
                for key, value in fields.items():
                    setattr(row, key, value)
                if row.state == Subscriber.State.RETIRED:
                    row.state = Subscriber.State.LIVE
                row.updated_at = now
                row.save()
        Subscriber.objects.bulk_create(new, ignore_conflicts=True)
        Stream.objects.bulk_create(
            [Stream(name=name) for name in {sub.event_type.event_producer for sub in subs}],
            ignore_conflicts=True,
        )
        if retire:
            _retire(set(rows) - {sub.name for sub in subs}, now)
    _synced_generation = generation
    return [row.name for row in new]


def _new_subscriber(
    sub: registry.Subscription,
    fields: dict[str, str],
    sequences_with_history: set[str],
    stream_has_history: bool,
    now: datetime,
) -> Subscriber:
    start = sub.start_from if stream_has_history else "new"  # nothing to catch up on
    if start != "new" and sub.sequence and sub.sequence in sequences_with_history:
        log.warning(
            "%s joins order group %s, which has history already: it starts from new messages "
            "(`manage.py streams replay %s --from earliest --forget` replays the whole group)",
            sub.name,
            sub.sequence,
            sub.name,
        )
        start = "new"
    state = Subscriber.State.LIVE if start == "new" else Subscriber.State.CATCHING_UP
    return Subscriber(name=sub.name, state=state, start_from=start, created_at=now, updated_at=now, **fields)


def _retire(names: set[str], now: datetime) -> None:
    if not names:
        return
    retired = Subscriber.objects.filter(name__in=names).exclude(state=Subscriber.State.RETIRED)
    gone = list(retired.values_list("name", flat=True))
    if gone:
        log.warning("retiring subscribers no longer in the code: %s", ", ".join(sorted(gone)))
        retired.update(state=Subscriber.State.RETIRED, updated_at=now)
        Delivery.objects.filter(handler__in=gone, status__in=Delivery.OPEN).update(
            status=Delivery.Status.DISCARDED,
            due_at=None,
            handled_at=now,
            last_error="discarded: the subscriber was retired",
        )

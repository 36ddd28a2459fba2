"""What happened under one correlation id (for an order: its id), in time order: the
events stored, the messages published, and each handler's outcome. Staff read it in the
admin to follow a saga. (All these times are statement times, so entries of one transaction
keep their order.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mallbots.eventstore.models import Event

from .models import FailedDelivery, InboxMessage, OutboxMessage


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "event" | "published" | "handled" | "retrying" | "held" | "dead"
    where: str  # the stream, the producer, or the handler
    what: str  # event or message name
    outcome: str
    detail: str = ""


def correlation_timeline(correlation_id: str, limit: int = 500) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            e.occurred_at, "event", f"{e.stream_type} {e.stream_id} v{e.version}", e.event_type, "stored"
        )
        for e in Event.objects.filter(metadata__correlation_id=correlation_id).order_by("position")[:limit]
    ]
    entries += [
        TimelineEntry(
            m.created_at,
            "published",
            m.producer,
            m.name,
            "sent" if m.sent_at else "waiting in the outbox",
            f"to {', '.join(d['handler'] for d in m.deliveries) or 'nobody'}",
        )
        for m in OutboxMessage.objects.filter(correlation_id=correlation_id).order_by("position")[:limit]
    ]
    entries += [
        TimelineEntry(i.handled_at, "handled", i.handler, i.name, "handled")
        for i in InboxMessage.objects.filter(correlation_id=correlation_id).order_by("handled_at")[:limit]
    ]
    entries += [
        TimelineEntry(
            f.last_failed_at,
            f.status,
            f.handler,
            f.name,
            f"{f.status} after {f.attempts} attempt(s)",
            f.last_error.strip().splitlines()[-1] if f.last_error.strip() else "",
        )
        for f in FailedDelivery.objects.filter(envelope__correlation_id=correlation_id)[:limit]
    ]
    return sorted(entries, key=lambda entry: entry.at)

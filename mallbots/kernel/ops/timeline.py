"""What happened under one correlation id (for an order: its id), in time order: the
events stored, the messages published, and each delivery's outcome. Staff read it in the
admin to follow a saga. (All these times are statement times, so entries of one transaction
keep their order.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.failures import error_summary
from mallbots.kernel.messaging.models import Delivery, StreamMessage


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "event" | "published" | "handled" | "retrying" | "held" | "dead" | "discarded"
    where: str  # the stream, the producer, or the handler
    what: str  # event or message name
    outcome: str
    detail: str = ""
    # The message published or delivered ("" for stored events): links a publication to the
    # deliveries of the same message (the back office's swimlane draws an arrow).
    message_id: str = ""


def correlation_timeline(correlation_id: str, limit: int = 500) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            e.occurred_at, "event", f"{e.stream_type} {e.stream_id} v{e.version}", e.event_type, "stored"
        )
        for e in Event.objects.filter(metadata__correlation_id=correlation_id).order_by("position")[:limit]
    ]
    messages = list(StreamMessage.objects.filter(correlation_id=correlation_id).order_by("position")[:limit])
    deliveries = list(
        Delivery.objects.filter(message_id__in=[m.message_id for m in messages]).order_by("handler")
    )
    handlers: dict[str, list[str]] = {}
    for d in deliveries:
        handlers.setdefault(str(d.message_id), []).append(d.handler)
    entries += [
        TimelineEntry(
            m.created_at,
            "published",
            m.producer,
            m.name,
            "waiting in the outbox" if m.in_outbox else f"appended to {m.producer} #{m.stream_position}",
            f"to {', '.join(handlers.get(str(m.message_id), [])) or 'nobody'}",
            str(m.message_id),
        )
        for m in messages
    ]
    for d in deliveries:
        if d.status == Delivery.Status.HANDLED and d.handled_at:
            entries.append(
                TimelineEntry(
                    d.handled_at, "handled", d.handler, d.name, "handled", message_id=str(d.message_id)
                )
            )
        elif d.status != Delivery.Status.PENDING and d.last_failed_at:
            entries.append(
                TimelineEntry(
                    d.handled_at
                    if d.status == Delivery.Status.DISCARDED and d.handled_at
                    else d.last_failed_at,
                    d.status,
                    d.handler,
                    d.name,
                    f"{d.status} after {d.attempts} attempt(s)",
                    error_summary(d.last_error),
                    str(d.message_id),
                )
            )
    return sorted(entries, key=lambda entry: entry.at)

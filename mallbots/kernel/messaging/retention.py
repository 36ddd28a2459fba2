"""Retention: how long each stream keeps its messages, and the purge that applies it.

A stream's policy comes from MESSAGING_STREAM_RETENTION, with per-stream overrides in
MESSAGING_STREAMS:

- `limits`: kept while younger than `max_age_hours`, among the newest `max_messages` and
  within the newest `max_bytes` of payload (0 = no such limit);
- `interest`: kept until every subscriber has handled it.

Under either policy a message is never purged while a delivery of it is not done (pending,
retrying, held, or a dead letter that staff may still retry), nor before it is
MESSAGING_DEDUP_WINDOW_SECONDS old (publish-side dedup needs it), nor before every delivery
of it was handled MESSAGING_INBOX_RETENTION_HOURS ago: a delivery's row is the subscriber's
inbox, and a redelivery from the broker must still find it. A message and its deliveries go
together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

POLICIES = ("limits", "interest")


@dataclass(frozen=True)
class Retention:
    policy: str = "limits"
    max_age_hours: float = 0.0  # 0 = no age limit
    max_messages: int = 0
    max_bytes: int = 0

    def describe(self) -> str:
        if self.policy == "interest":
            return "interest: until every subscriber has handled it"
        limits = [
            f"{self.max_age_hours:g} h" if self.max_age_hours else "",
            f"{self.max_messages:,} messages" if self.max_messages else "",
            f"{self.max_bytes:,} bytes" if self.max_bytes else "",
        ]
        return "limits: " + (", ".join(limit for limit in limits if limit) or "keep everything")


def retention_of(stream: str) -> Retention:
    merged: dict[str, Any] = {
        **settings.MESSAGING_STREAM_RETENTION,
        **settings.MESSAGING_STREAMS.get(stream, {}),
    }
    return Retention(**merged)


def check_settings() -> list[str]:
    """Problems with the retention settings, for the system check."""
    problems = []
    for stream in ["*", *settings.MESSAGING_STREAMS]:
        try:
            retention = (
                retention_of(stream) if stream != "*" else Retention(**settings.MESSAGING_STREAM_RETENTION)
            )
        except TypeError as exc:
            problems.append(f"retention of stream {stream}: {exc}")
            continue
        if retention.policy not in POLICIES:
            problems.append(
                f"retention of stream {stream}: policy {retention.policy!r} is not one of {POLICIES}"
            )
        if min(retention.max_age_hours, retention.max_messages, retention.max_bytes) < 0:
            problems.append(f"retention of stream {stream}: limits cannot be negative")
    return problems


_CANDIDATES_SQL = (
    "SELECT m.position, m.stream_position FROM messaging_message m "
    "WHERE m.producer = %(stream)s AND m.stream_position > %(after)s AND m.created_at < %(dedup)s "
    " AND (%(interest)s OR m.created_at < %(age)s OR m.stream_position <= %(cut)s) "
    " AND NOT EXISTS (SELECT 1 FROM messaging_delivery d WHERE d.message_id = m.message_id "
    "  AND (d.status NOT IN ('handled', 'discarded') OR d.handled_at > %(inbox)s)) "
    "ORDER BY m.stream_position LIMIT %(batch)s"
)


def _cut(cursor: Any, stream: str, retention: Retention) -> int:
    """The highest stream position over the count or size limit (0 when none is)."""
    cut = 0
    if retention.max_messages:
        cursor.execute(
            "SELECT stream_position FROM messaging_message WHERE producer = %s AND stream_position IS NOT NULL "
            "ORDER BY stream_position DESC OFFSET %s LIMIT 1",
            [stream, retention.max_messages],
        )
        row = cursor.fetchone()
        cut = max(cut, row[0] if row else 0)
    if retention.max_bytes:
        cursor.execute(
            "SELECT max(stream_position) FROM (SELECT stream_position, sum(size) OVER (ORDER BY stream_position DESC) "
            " AS newer FROM messaging_message WHERE producer = %s AND stream_position IS NOT NULL) t "
            "WHERE newer > %s",
            [stream, retention.max_bytes],
        )
        cut = max(cut, cursor.fetchone()[0] or 0)
    return cut


def purge_stream(stream: str, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete the messages of `stream` its retention lets go, with their deliveries."""
    now = now or timezone.now()
    retention = retention_of(stream)
    params: dict[str, Any] = {
        "stream": stream,
        "after": 0,
        "dedup": now - timedelta(seconds=settings.MESSAGING_DEDUP_WINDOW_SECONDS),
        "interest": retention.policy == "interest",
        "age": now - timedelta(hours=retention.max_age_hours)
        if retention.max_age_hours
        else datetime.min.replace(tzinfo=now.tzinfo),
        "inbox": now - timedelta(hours=settings.MESSAGING_INBOX_RETENTION_HOURS),
        "batch": batch,
    }
    purged = 0
    with connection.cursor() as cursor:
        params["cut"] = _cut(cursor, stream, retention)
        while True:
            with transaction.atomic():
                cursor.execute(_CANDIDATES_SQL, params)
                rows = cursor.fetchall()
                if not rows:
                    return purged
                positions = [row[0] for row in rows]
                cursor.execute(
                    "DELETE FROM messaging_delivery WHERE message_id IN "
                    "(SELECT message_id FROM messaging_message WHERE position = ANY(%s))",
                    [positions],
                )
                cursor.execute("DELETE FROM messaging_message WHERE position = ANY(%s)", [positions])
                purged += cursor.rowcount
            params["after"] = rows[-1][1]


def streams() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM messaging_stream ORDER BY name")
        return [row[0] for row in cursor.fetchall()]


def purge(now: datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Apply every stream's retention. Returns the messages purged per stream."""
    return {stream: purge_stream(stream, now, batch) for stream in streams()}


@dataclass(frozen=True)
class Coverage:
    head: int  # the last stream position given
    oldest: int  # the oldest stream position still retained (0 when none is)
    purged: int  # messages of the stream's history no longer retained


def coverage(stream: str) -> Coverage:
    """How much of a stream's history is still retained, for a replay to know what it misses."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce((SELECT head FROM messaging_stream WHERE name = %s), 0), "
            " coalesce(min(stream_position), 0) FROM messaging_message WHERE producer = %s "
            " AND stream_position IS NOT NULL",
            [stream, stream],
        )
        head, oldest = cursor.fetchone()
    return Coverage(head, oldest, (oldest - 1) if oldest else head)

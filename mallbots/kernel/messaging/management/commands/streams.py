"""The retained streams of integration events and their subscribers.

    manage.py streams list
    manage.py streams subscribers [--stream NAME]
    manage.py streams replay SUBSCRIBER --from earliest|position:N|time:ISO8601 [--forget] [--dry-run] [--yes]

`replay` delivers the subscriber (and, when it is ordered, its order group) every retained
message from the start given that it has not handled, then follows live traffic again. What
it handled already changes nothing (its inbox) unless `--forget` makes it run those effects
again; an ordered subscriber forgets everything, so `--forget` needs `--from earliest`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from mallbots.kernel.messaging import catchup
from mallbots.kernel.messaging.models import Subscriber
from mallbots.kernel.messaging.retention import retention_of

_STREAMS_SQL = (
    "SELECT s.name, s.head, count(m.position), coalesce(sum(m.size), 0), min(m.stream_position), "
    " max(m.stream_position), count(m.position) FILTER (WHERE m.stream_position IS NULL), min(m.created_at) "
    "FROM messaging_stream s LEFT JOIN messaging_message m ON m.producer = s.name "
    "GROUP BY s.name, s.head ORDER BY s.name"
)
# Per subscriber: its stream's head, the deliveries not handled yet, the oldest of them, and
# the stream position just before it (everything up to there is handled).
_SUBSCRIBERS_SQL = (
    "SELECT b.name, b.state, b.stream, b.queue, b.sequence, coalesce(s.head, 0), o.open, o.oldest, "
    " (SELECT m.stream_position FROM messaging_message m WHERE m.position = o.first_position) "
    "FROM messaging_subscriber b LEFT JOIN messaging_stream s ON s.name = b.stream "
    "LEFT JOIN LATERAL (SELECT count(*) AS open, min(d.created_at) AS oldest, min(d.position) AS first_position "
    " FROM messaging_delivery d WHERE d.handler = b.name AND d.due_at IS NOT NULL) o ON true "
    "WHERE (%s::text IS NULL OR b.stream = %s) ORDER BY b.name"
)


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def age(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


class Command(BaseCommand):
    help = "List the retained streams and their subscribers, or replay a subscriber."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{list,subscribers,replay}", required=True)
        actions.add_parser("list", help="streams: sizes, retention, oldest and newest position")
        listing = actions.add_parser("subscribers", help="each subscriber's state, position and lag")
        listing.add_argument("--stream", help="only the subscribers of this stream")
        replay = actions.add_parser("replay", help="deliver a subscriber the retained history again")
        replay.add_argument("subscriber", help="the subscriber (handler) name")
        replay.add_argument(
            "--from",
            dest="start",
            required=True,
            help="earliest, position:N (global) or time:ISO8601 (with zone)",
        )
        replay.add_argument("--forget", action="store_true", help="run what it handled already again")
        replay.add_argument("--dry-run", action="store_true", help="say what would happen, change nothing")
        replay.add_argument(
            "--yes", "--no-input", action="store_false", dest="interactive", help="do not ask before --forget"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
        elif options["action"] == "subscribers":
            self._subscribers(options["stream"])
        else:
            self._replay(options)

    def _list(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_STREAMS_SQL)
            rows = cursor.fetchall()
        if not rows:
            self.stdout.write("no streams yet")
            return
        now = timezone.now()
        header = (
            "STREAM",
            "HEAD",
            "MESSAGES",
            "BYTES",
            "OLDEST",
            "NEWEST",
            "IN OUTBOX",
            "OLDEST AGE",
            "RETENTION",
        )
        lines = [header] + [
            (
                name,
                str(head),
                f"{count:,}",
                f"{size:,}",
                str(oldest or "-"),
                str(newest or "-"),
                str(waiting),
                age((now - first).total_seconds()) if first else "-",
                retention_of(name).describe(),
            )
            for name, head, count, size, oldest, newest, waiting, first in rows
        ]
        for line in table(lines):
            self.stdout.write(line)

    def _subscribers(self, stream: str | None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_SUBSCRIBERS_SQL, [stream, stream])
            rows = cursor.fetchall()
        if not rows:
            self.stdout.write("no subscribers")
            return
        now = timezone.now()
        header = ("SUBSCRIBER", "STATE", "STREAM", "QUEUE", "ORDER", "POSITION", "HEAD", "LAG", "OLDEST OPEN")
        lines: list[tuple[str, ...]] = [header]
        for name, state, of, queue, sequence, head, open_count, oldest, first in rows:
            position = head if not open_count else (first or 1) - 1
            lines.append(
                (
                    name,
                    state,
                    of,
                    queue,
                    sequence or "-",
                    str(position),
                    str(head),
                    str(open_count or 0),
                    age((now - oldest).total_seconds()) if oldest else "-",
                )
            )
        for line in table(lines):
            self.stdout.write(line)

    def _replay(self, options: dict[str, Any]) -> None:
        name, start, forget = options["subscriber"], options["start"], options["forget"]
        if not Subscriber.objects.filter(name=name).exists():
            raise CommandError(f"no subscriber named {name!r} (see `manage.py streams subscribers`)")
        try:
            plan = catchup.replay(name, start, forget=forget, dry_run=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{', '.join(plan.members)} from {plan.start}{' (forgetting what they handled)' if forget else ''}: "
            f"{plan.messages} messages, {plan.missing} to deliver, {plan.open} not handled yet to send again, "
            f"{plan.handled} handled already (unchanged)"
            + (
                f", {plan.skipped} older than what it handled (skipped; --forget takes them)"
                if plan.skipped
                else ""
            )
        )
        if options["dry_run"]:
            self.stdout.write("dry run: nothing changed")
            return
        if forget and options["interactive"] and not self._confirm(plan.members):
            self.stdout.write("replay cancelled")
            return
        catchup.replay(name, start, forget=forget)
        with tqdm(total=plan.messages, unit="msg", desc="catching up", file=self.stderr) as bar:
            while not catchup.catch_up(
                list(plan.members), max_seconds=5.0, on_progress=lambda n: bar.update(n)
            ).done:
                time.sleep(0.5)  # the beat task holds it for a moment: let it finish its batch
        self.stdout.write(f"caught up: {', '.join(plan.members)} follow their streams live again")

    def _confirm(self, members: tuple[str, ...]) -> bool:
        try:
            answer = input(f"{', '.join(members)} will handle their history again. Type 'yes' to continue: ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")

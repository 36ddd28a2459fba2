"""Rebuild the search rows by replaying the ordering and customers contexts' streams, while
the system runs.

    manage.py rebuild_search

Search's subscribers forget what they handled and handle every retained message of their
streams again, here, in order per order and per customer: each order's row is written again
from its OrderCreated and brought forward by its later events, the customer names from
CustomerRegistered. Live messages wait until the replay reaches the streams' heads, then flow
as before (no gap, no duplicate). Idempotent: a second run gives the same rows.

Only what the streams retain can be replayed (their retention, MESSAGING_STREAM_RETENTION):
the rows of orders whose history is no longer retained are left as they are, and the command
says how many streams lack their oldest messages. The admin's "refresh" action brings one
order's row to what the ordering context says, whatever the streams retain."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from tqdm import tqdm

from mallbots.kernel.messaging.api import replay_here, stream_coverage

from ... import selectors
from ...apps import SUBSCRIBERS


class _Unterminated:
    """tqdm redraws its line with carriage returns: write through without Django's newline."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, style_func=lambda x: x, ending="")

    def flush(self) -> None:
        self.out.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


class Command(BaseCommand):
    help = "Rebuild the searchable orders by replaying the ordering and customers streams."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with tqdm(
            desc="replaying",
            unit=" messages",
            file=_Unterminated(self.stderr),
            disable=options["no_progress"] or options["verbosity"] == 0,
        ) as bar:
            handled = replay_here(SUBSCRIBERS, "earliest", forget=True, on_progress=lambda n: bar.update(n))
        self.stdout.write(
            f"search orders: {handled:,} messages replayed in {time.monotonic() - started:.1f}s, "
            f"{selectors.search_order_count():,} orders searchable"
        )
        for stream in ("ordering", "customers"):
            coverage = stream_coverage(stream)
            if coverage.purged:
                self.stdout.write(
                    f"note: the {stream} stream no longer retains its first {coverage.purged:,} messages "
                    "(its retention): rows of orders from before them are left as they were"
                )

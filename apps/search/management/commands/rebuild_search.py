"""Rebuild the search rows from the ordering context, while the system runs.

    manage.py rebuild_search                     # every order, 500 per page
    manage.py rebuild_search --batch-size 100

Reads every order through the ordering context's open-host query (`list_orders`, by id, a page
at a time) and customer names through the customers context's (`get_customer`, on a cache
miss), upserts each page in one transaction, then deletes the rows of orders the ordering
context no longer has. Idempotent: a second run changes nothing. A row a handler writes while
its page is being read is left alone ("skipped"): the handler may have applied a newer event."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from ... import services


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


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
    help = (
        "Rebuild the searchable orders from the ordering context (upserts; deletes rows of unknown orders)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="orders read and upserted per page (default: 500)"
        )
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.monotonic()
        seen: set[str] = set()
        totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        with tqdm(
            desc="search orders",
            unit=" orders",
            file=_Unterminated(self.stderr),
            disable=options["no_progress"] or options["verbosity"] == 0,
        ) as bar:
            after_id = ""
            while True:
                page = services.search_order_sync_page(after_id=after_id, limit=batch_size)
                for key in totals:
                    totals[key] += getattr(page, key)
                seen.update(page.order_ids)
                bar.update(len(page.order_ids))
                if len(page.order_ids) < batch_size:
                    break
                after_id = page.order_ids[-1]
        deleted = services.search_order_prune(keep=seen)
        counts = ", ".join(f"{count:,} {key}" for key, count in totals.items())
        self.stdout.write(
            f"search orders: {plural(len(seen), 'order')} read in {time.monotonic() - started:.1f}s: "
            f"{counts}, {deleted:,} deleted"
        )

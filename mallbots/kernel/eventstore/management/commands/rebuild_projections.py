"""Rebuild read models from the event store, stream by stream, while the system runs.

    manage.py rebuild_projections                      # every registered projection
    manage.py rebuild_projections kerneltest.ledgers   # only these
    manage.py rebuild_projections --list               # names and the stream types they follow

Idempotent: running it twice leaves the same read models."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from mallbots.kernel.eventstore import projections


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class _Unterminated:
    """tqdm redraws its line with carriage returns: write through without Django's newline
    (and without its red error style on a terminal)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, style_func=lambda x: x, ending="")

    def flush(self) -> None:
        self.out.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty: tqdm picks its bar style from them
        return getattr(self.out, name)


class Command(BaseCommand):
    help = "Rebuild projections (read models) from the event store. No name rebuilds them all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME", help="projection names (default: all)")
        parser.add_argument("--list", action="store_true", help="list the registered projections and exit")
        parser.add_argument(
            "--batch-size", type=int, default=200, help="streams rebuilt per transaction (default: 200)"
        )
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        known = projections.registered()
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["list"]:
            self._list(known)
            return
        unknown = [name for name in options["names"] if name not in known]
        if unknown:
            raise CommandError(
                f"unknown projection{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}; "
                f"known: {', '.join(known) or 'none'}"
            )
        names = list(dict.fromkeys(options["names"])) or list(known)
        if not names:
            self.stdout.write("no projections are registered")
            return
        show_progress = not options["no_progress"] and options["verbosity"] > 0
        for name in names:
            self._rebuild(known[name], options["batch_size"], show_progress)

    def _list(self, known: dict[str, projections.Projection]) -> None:
        if not known:
            self.stdout.write("no projections are registered")
            return
        width = max(len(name) for name in known)
        for name, projection in known.items():
            self.stdout.write(f"{name:<{width}}  {', '.join(projection.stream_types)}")

    def _rebuild(self, projection: projections.Projection, batch_size: int, show_progress: bool) -> None:
        started = time.monotonic()
        with tqdm(
            total=projections.count_streams(projection),
            desc=projection.name,
            unit=" streams",
            file=_Unterminated(self.stderr),
            disable=not show_progress,
        ) as bar:

            def progress(streams: int, events: int) -> None:
                bar.update(streams)

            streams, events = projections.rebuild(projection, batch_size=batch_size, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{projection.name}: {plural(streams, 'stream')}, {plural(events, 'event')} "
            f"replayed in {elapsed:.1f}s"
        )

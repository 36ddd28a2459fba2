"""Inspect, retry and discard dead letters: deliveries that failed for good.

    manage.py dead_letters list [--handler NAME]
    manage.py dead_letters retry ID [ID ...] | --all [--handler NAME]
    manage.py dead_letters discard ID [ID ...] | --all [--handler NAME] [--yes]

Retrying gives a dead letter a fresh set of attempts, now. Discarding drops it for good: its
handler never runs for that message, and later messages of its partition can flow again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mallbots.kernel.messaging import failures
from mallbots.kernel.messaging.failures import error_summary
from mallbots.kernel.messaging.models import Delivery


def plural(count: int) -> str:
    return f"{count} dead letter{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = "List, retry or discard dead letters (deliveries to a handler that failed for good)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{list,retry,discard}", required=True)

        listing = actions.add_parser("list", help="show the dead letters, oldest first")
        listing.add_argument("--handler", help="only the dead letters of this handler")

        retry = actions.add_parser("retry", help="deliver dead letters again, with fresh attempts")
        discard = actions.add_parser("discard", help="drop dead letters for good")
        for sub in (retry, discard):
            sub.add_argument("ids", nargs="*", type=int, metavar="ID", help="dead letter ids")
            sub.add_argument("--all", action="store_true", help="every dead letter (of --handler)")
            sub.add_argument("--handler", help="with --all: only the dead letters of this handler")
        discard.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options["handler"])
            return
        ids = self._selection(options["ids"], options["all"], options["handler"])
        if options["action"] == "retry":
            count = failures.retry_dead_letters(ids)
            self.stdout.write(f"retried {plural(count)}")
            return
        if options.get("interactive", True) and not self._confirm(ids):
            self.stdout.write("discard cancelled")
            return
        count = failures.discard_dead_letters(ids)
        self.stdout.write(f"discarded {plural(count)}")

    def _dead(self, handler: str | None) -> list[Delivery]:
        return failures.dead_letters(handler)

    def _list(self, handler: str | None) -> None:
        rows = self._dead(handler)
        if not rows:
            self.stdout.write("no dead letters")
            return
        header = ("ID", "HANDLER", "EVENT", "PARTITION KEY", "ATTEMPTS", "LAST FAILED", "ERROR")
        table = [header] + [
            (
                str(row.pk),
                row.handler,
                row.name,
                row.partition_key,
                str(row.attempts),
                timezone.localtime(row.last_failed_at).strftime("%Y-%m-%d %H:%M:%S"),
                error_summary(row.last_error),
            )
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
        for line in table:
            cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
            self.stdout.write("  ".join([*cells, line[-1]]).rstrip())

    def _selection(self, ids: list[int], everything: bool, handler: str | None) -> list[int] | None:
        """The ids to act on, None for every dead letter. Fails, before anything is done, when
        an id is not a dead letter."""
        if ids and everything:
            raise CommandError("give dead letter ids or --all, not both")
        if not ids and not everything:
            raise CommandError("give the ids of the dead letters, or --all")
        if handler is not None and not everything:
            raise CommandError("--handler only goes with --all")
        if everything:
            return None if handler is None else [row.pk for row in self._dead(handler)]
        dead = {row.pk for row in failures.dead_letters()}
        missing = [str(pk) for pk in dict.fromkeys(ids) if pk not in dead]
        if missing:
            raise CommandError(f"not dead letters: {', '.join(missing)}")
        return list(dict.fromkeys(ids))

    def _confirm(self, ids: list[int] | None) -> bool:
        count = len(failures.dead_letters()) if ids is None else len(ids)
        try:
            answer = input(
                f"Discard {plural(count)} for good? Their handlers will never run for these "
                "messages. Type 'yes' to continue: "
            )
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")

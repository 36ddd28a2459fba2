"""Write the AsyncAPI document of the integration events, or check the committed copy.

manage.py asyncapi                              # print it
manage.py asyncapi --output docs/asyncapi.json  # write it
manage.py asyncapi --check                      # fail when docs/asyncapi.json is stale"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mallbots.kernel.messaging import asyncapi

DEFAULT_OUTPUT = "docs/asyncapi.json"


class Command(BaseCommand):
    help = "Generate the AsyncAPI document of the integration events (or --check the committed copy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=None,
            help=f"file to write (or to compare with --check; default {DEFAULT_OUTPUT}); without it, print",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit non-zero when the file differs from the registries",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = asyncapi.dumps(asyncapi.document())
        output = options["output"]
        if options["check"]:
            path = self._path(output or DEFAULT_OUTPUT)
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                raise CommandError(
                    f"{path} is not current: run `manage.py asyncapi --output {output or DEFAULT_OUTPUT}`"
                    " and commit it"
                )
            self.stdout.write(f"{path} is current")
            return
        if output is None:
            self.stdout.write(text, ending="")
            return
        path = self._path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")

    @staticmethod
    def _path(name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else Path(settings.BASE_DIR) / path

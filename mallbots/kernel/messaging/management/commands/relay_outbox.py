"""Append what waits in the outbox to the streams, and send its deliveries to the broker.

    manage.py relay_outbox            # once, until the outbox is empty
    manage.py relay_outbox --loop     # forever, for deployments without celery beat

The loop stops cleanly on Ctrl-C or SIGTERM after the batch in flight (a second signal stops
it at once); a broker outage is reported and retried on the next round: the deliveries are
stored meanwhile, and the reconciliation sweep sends them when the broker is back."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from mallbots.kernel.messaging import relay


def sent_phrase(count: int) -> str:
    return f"appended {count} outbox message{'' if count == 1 else 's'} to their streams"


class Command(BaseCommand):
    help = "Relay unsent outbox messages to the broker, once or in a loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep relaying until stopped")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between rounds with --loop (default: MESSAGING_SWEEP_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            try:
                sent = relay.relay_pending()
            except Exception as exc:  # the broker refused: the deliveries wait in the database
                raise CommandError(f"relay failed: {exc}") from exc
            self.stdout.write(sent_phrase(sent))
            return
        interval = options["interval"]
        self._loop(settings.MESSAGING_SWEEP_SECONDS if interval is None else interval)

    def _loop(self, interval: float) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if stop.is_set():
                raise KeyboardInterrupt
            stop.set()

        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, on_signal)
        self.stdout.write(f"relaying the outbox every {interval:g}s; Ctrl-C stops")
        total = 0
        try:
            while not stop.is_set():
                # A long-lived process: drop a connection the database closed or broke.
                close_old_connections()
                try:
                    sent = relay.relay_pending()
                except KeyboardInterrupt:
                    raise
                except Exception as exc:
                    self.stderr.write(f"relay failed, retrying in {interval:g}s: {exc}")
                else:
                    total += sent
                    if sent:
                        self.stdout.write(sent_phrase(sent))
                stop.wait(interval)
        except KeyboardInterrupt:
            pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(f"stopped; {sent_phrase(total)} in all")

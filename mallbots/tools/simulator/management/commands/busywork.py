"""Drive the mall over HTTP with simulated customers and a simulated bot operator for a while,
printing progress every second and a summary at the end (also after Ctrl-C).

    manage.py busywork --clients 4 --duration 60 [--url http://127.0.0.1:8000] [--token KEY]
                       [--seed 1] [--reject-share 0.1] [--cancel-share 0.1] [--timeout 30]

Customers are the ones `seed_mall` created in this database, so the server at --url must run on
the same database. Without --token the command uses the token of a staff user "busywork",
created here when missing. When the duration is over no new order starts; the orders in flight
go on to a final state (or until they are stuck), then the summary is printed."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from mallbots.tools.simulator import selectors
from mallbots.tools.simulator.busywork.api import REQUEST_TIMEOUT_SECONDS, ApiError, MallApi
from mallbots.tools.simulator.busywork.simulation import Busywork, Config
from mallbots.tools.simulator.busywork.stats import progress_line, summary_lines

BUSYWORK_USERNAME = "busywork"
# The API gives staff exactly their groups' permissions: busywork plays kiosks and a bot operator.
BUSYWORK_GROUPS = ("kiosk", "depot-operators")


def share(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise ValueError(value)
    return number


def positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Simulate customers and a bot operator ordering through the REST API; print a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=4, help="simulated customers (default 4)")
        parser.add_argument("--duration", type=positive, default=60.0, help="seconds (default 60)")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
        parser.add_argument(
            "--token", help="API token; default: the staff user 'busywork' (created if missing)"
        )
        parser.add_argument("--seed", type=int, default=1, help="seeds the customers' choices (default 1)")
        parser.add_argument(
            "--reject-share",
            type=share,
            default=0.1,
            help="share of orders paid with a too-small payment, so the saga rejects them (default 0.1)",
        )
        parser.add_argument(
            "--cancel-share",
            type=share,
            default=0.1,
            help="share of orders cancelled once approved (default 0.1)",
        )
        parser.add_argument(
            "--timeout",
            type=positive,
            default=30.0,
            help="seconds an order may wait without progress before it counts as stuck (default 30)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clients"] < 1:
            raise CommandError("--clients must be at least 1")
        if options["reject_share"] + options["cancel_share"] > 1:
            raise CommandError("--reject-share and --cancel-share add up to more than 1")
        customer_ids = tuple(selectors.seeded_customer_ids())
        if not customer_ids:
            raise CommandError("no seeded customers in this database: run `manage.py seed_mall` first")
        config = Config(
            url=options["url"].rstrip("/"),
            token=options["token"] or self._busywork_token(),
            customer_ids=customer_ids,
            clients=options["clients"],
            seed=options["seed"],
            reject_share=options["reject_share"],
            cancel_share=options["cancel_share"],
            timeout=options["timeout"],
        )
        self._check_mall(config)
        self._run(Busywork(config), options["duration"])

    def _busywork_token(self) -> str:
        user_model = get_user_model()
        with transaction.atomic():
            user, created = user_model.objects.get_or_create(
                **{user_model.USERNAME_FIELD: BUSYWORK_USERNAME}, defaults={"is_staff": True}
            )
            if created:
                user.set_unusable_password()  # a token for the API, no way into the admin
                user.save()
            elif not (user.is_staff and user.is_active):
                raise CommandError(f"the user {BUSYWORK_USERNAME!r} is not active staff: pass --token")
            user.groups.add(*Group.objects.filter(name__in=BUSYWORK_GROUPS))
            token, _ = Token.objects.get_or_create(user=user)
        return token.key

    def _check_mall(self, config: Config) -> None:
        """Fails before the run, with one clear message, when the API cannot be used at all."""
        api = MallApi(config.url, config.token)
        try:
            if not any(api.catalog(store["id"]) for store in api.participating_stores()):
                raise CommandError("no participating store sells anything: run `manage.py seed_mall` first")
            bots = api.bots()
            if not bots:
                raise CommandError("the depot has no bots: run `manage.py seed_mall` first")
            busy = sum(bot["status"] != "idle" for bot in bots)
            if busy:
                self.stderr.write(
                    f"warning: {busy} of {len(bots)} bots are active already (their lists are not completed, "
                    "maybe by a run that was killed); approved orders wait for an idle bot"
                )
        except ApiError as error:
            raise CommandError(f"the API at {config.url} cannot be used: {error}")
        finally:
            api.close()

    def _run(self, busywork: Busywork, duration: float) -> None:
        config = busywork.config
        self.stdout.write(
            f"busywork: {config.clients} simulated customer{'s' if config.clients != 1 else ''} and a bot "
            f"operator against {config.url} for {duration:g}s (Ctrl-C stops)"
        )
        tty = self.stdout.isatty()
        began = time.monotonic()
        with _termination_as_interrupt():
            ran = self._drive(busywork, duration, began, tty)
        total = time.monotonic() - began
        self._progress(busywork, total, tty, newline=True)
        self.stdout.write("")
        for line in summary_lines(
            busywork.stats.snapshot(),
            clients=config.clients,
            url=config.url,
            ran=ran,
            drained=max(0.0, total - ran),
            timeout=config.timeout,
            interrupted=busywork.stop_now.is_set(),
        ):
            self.stdout.write(line)

    def _drive(self, busywork: Busywork, duration: float, began: float, tty: bool) -> float:
        """Runs the threads, with a progress line every second, until they are done: `duration`
        seconds of new orders, then the orders in flight. Returns the seconds of new orders."""
        ran = duration
        try:
            busywork.start()
            while busywork.running():
                elapsed = time.monotonic() - began
                if not busywork.stop_starting.is_set() and elapsed >= duration:
                    busywork.stop_starting.set()
                    ran = elapsed
                    self._progress(busywork, elapsed, tty, newline=True)
                    self.stdout.write("duration over: finishing the orders in flight")
                else:
                    self._progress(busywork, elapsed, tty)
                next_tick = (int(elapsed) + 1) - elapsed
                until_end = duration - elapsed if elapsed < duration else next_tick
                time.sleep(max(0.01, min(next_tick, until_end)))
        except KeyboardInterrupt:
            ran = min(ran, time.monotonic() - began)
            busywork.stop_now.set()
            if tty:
                self.stdout.write("")
            self.stdout.write("interrupted: stopping")
            # A second Ctrl-C skips the wait: the summary now, the threads are daemons.
            with contextlib.suppress(KeyboardInterrupt):
                busywork.join(REQUEST_TIMEOUT_SECONDS + 5)
        return ran

    def _progress(self, busywork: Busywork, elapsed: float, tty: bool, newline: bool = False) -> None:
        line = progress_line(busywork.stats.snapshot(), elapsed)
        if not tty:
            self.stdout.write(line)
            return
        # One line rewritten in place: \r back to its start, ESC[K clears what a longer one left.
        self.stdout.write(f"\r{line}\x1b[K", ending="\n" if newline else "")
        self.stdout.flush()


@contextlib.contextmanager
def _termination_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) stop the run as Ctrl-C does: the bots on a trip
    come back and the summary is printed. Signal handlers can only be set in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt()

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)

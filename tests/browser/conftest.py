"""The back office in a real browser: Debian's chromium (`make browser` installs it) driven by
Playwright's Python client, against a live server on the test database with one mall built for
the module. Screenshots go to .test-output/browser/ (MALLBOTS_TEST_OUTPUT moves it), which git
ignores: a reviewer looks at them, nobody commits them.

Playwright's synchronous client keeps an event loop in the test's thread, which Django's
async-safety check takes for async code: DJANGO_ALLOW_ASYNC_UNSAFE is set for these modules
only, while the browser runs, and every request the browser makes outside this machine is
refused and recorded."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings

from apps.stores import services as stores

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("MALLBOTS_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = Path(os.environ.get("MALLBOTS_TEST_OUTPUT", ROOT / ".test-output")) / "browser"
WIDTH, HEIGHT = 1280, 900
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROLES = ("auditors", "administrators", "store-managers", "depot-operators")
PASSWORD = "back-office"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


@dataclass
class Browser:
    """One chromium with an empty profile of its own; every request is recorded, and any to a
    host that is not this machine is refused."""

    context: Any
    base: str
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def page_as(self, role: str | None) -> Any:
        """A page signed in as the staff member of `role` (None: signed out)."""
        self.context.clear_cookies()
        page = self.context.new_page()
        if role is not None:
            page.goto(f"{self.base}/admin/login/?next=/admin/")
            page.fill("#id_username", role)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#site-name")
            assert page.url == f"{self.base}/admin/"
        return page

    def output(self, name: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        return OUTPUT / f"{name}.png"

    def screenshot(self, page: Any, name: str) -> Path:
        path = self.output(name)
        page.screenshot(path=str(path), full_page=True)
        return path


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.fixture(scope="module")
def live_mall(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """A live server on the test database with a mall built once for the module (relaying off:
    the mall's messages are pumped through the consumer), a staff member per role, the
    database flushed and the broker emptied afterwards."""
    from tests.kernel.admin.mall import build_mall

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    overrides = override_settings(MESSAGING_RELAY_ON_COMMIT="off", EVENTSTORE_SNAPSHOT_EVERY={"default": 3})
    # The server's request threads close their connections after each request, so none is
    # left open on the test database when it is dropped.
    max_age = connections.settings["default"]["CONN_MAX_AGE"]
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    with django_db_blocker.unblock(), overrides:
        try:
            ids = build_mall()
            # As long as names may be, without a space to break them: no page may widen.
            long_store = stores.store_create(name="N" * 200, location="L" * 200)
            stores.product_add(
                store_id=long_store, name="P" * 200, description="D" * 2000, sku="S" * 200, price=Decimal("1")
            )
            for role in ROLES:
                user = User.objects.create_user(role, password=PASSWORD, is_staff=True)
                user.groups.add(Group.objects.get(name=role))
            server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override={}, port=0)
            server.daemon = True
            server.start()
            server.is_ready.wait()
            if server.error:
                raise server.error
            try:
                yield {**ids, "url": f"http://127.0.0.1:{server.port}"}
            finally:
                server.terminate()
        finally:
            call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())
            redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
            connections.settings["default"]["CONN_MAX_AGE"] = max_age


@pytest.fixture(scope="module")
def browser(live_mall: dict[str, str]) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,  # an empty --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=LAUNCH_ARGS,
            viewport={"width": WIDTH, "height": HEIGHT},
        )
        context.set_default_timeout(15_000)
        state = Browser(context, live_mall["url"])

        def guard(route: Any) -> None:
            url = route.request.url
            state.requests.append(url)
            if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                state.refused.append(url)
                route.abort()

        context.route("**/*", guard)
        try:
            yield state
        finally:
            # The tests' database connections belong to the context Playwright runs them in:
            # closed here, in that context, so none outlives the test database.
            connections.close_all()
            context.close()
    patch.undo()

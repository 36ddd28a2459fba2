"""`benchmark api`: the API's reads through a real gunicorn, next to a bare DRF view."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from apps.customers import services as customers
from apps.ordering import services as ordering
from apps.ordering.domain import Item
from apps.payments import services as payments
from apps.stores import services as stores
from mallbots.kernel.ddd import context as message_context
from mallbots.tools.worker import current_settings_module, stop_group, subprocess_environment

from .. import cleanup
from ..common import Write, cleanup_step, database_line, fmt_ms, fmt_rate, verdict
from . import load
from .bare import BARE_PATH

WORKERS = 2
TARGET_RATIO = 0.7  # each API read >= 70% of the bare view's requests/s
READY_SECONDS = 30.0


@dataclass
class Options:
    seconds: float = 10.0
    connections: int = 4
    products: int = 20
    client: str = "auto"  # wrk when installed, else python


@dataclass
class Results:
    client: str = ""
    loads: dict[str, load.Load] = field(default_factory=dict)  # endpoint name -> its load


ENDPOINTS = (
    "bare DRF view, one row",
    "catalog: GET /api/stores/{id}/products",
    "order: GET /api/ordering/{id}",
)


class ApiBenchmark:
    def __init__(self, options: Options, write: Write) -> None:
        self.options = options
        self.write = write
        self.run_id = uuid.uuid4().hex[:8]
        self.prefix = f"bench-{self.run_id}"
        self.results = Results()
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"mallbots-{self.prefix}-"))
        self._log: IO[bytes] | None = None
        self.username = f"{self.prefix}-client"
        self.correlation = f"{self.prefix}-seed"
        self.token = ""
        self.paths: dict[str, str] = {}
        self.urls: dict[str, str] = {}

    def run(self) -> Results:
        o = self.options
        client = o.client if o.client != "auto" else ("wrk" if load.client_available("wrk") else "python")
        if not load.client_available(client):
            raise RuntimeError("wrk is not installed (Debian's package `wrk`); use --client python")
        self.results.client = client
        self._header(client)
        try:
            self.seed()
            self.start_server()
            for name in ENDPOINTS:
                self.measure(name, client)
        finally:
            self.finish()
        self.report()
        return self.results

    def _header(self, client: str) -> None:
        o = self.options
        self.write(f"MallBots API benchmark, run {self.run_id}")
        self.write(database_line())
        self.write(
            f"  gunicorn, {WORKERS} sync workers, DEBUG off; load: {client}, {o.connections} connections, "
            f"{o.seconds:g} s per endpoint; {os.cpu_count()} CPU cores"
        )

    def seed(self) -> None:
        o = self.options
        self.write(f"[1/3] seeding a store with {o.products} products and an order, named {self.prefix} ...")
        with message_context.use(correlation_id=self.correlation):
            self._seed(o.products)

    def _seed(self, count: int) -> None:
        store_id = stores.store_create(name=f"{self.prefix} Store", location="Benchmark wing")
        products = [
            stores.product_add(
                store_id=store_id,
                name=f"{self.prefix} Product {i + 1}",
                description="A product of the API benchmark",
                sku=f"{self.prefix}-{i + 1}",
                price=Decimal("9.99"),
            )
            for i in range(count)
        ]
        # A real customer and payment: a worker running meanwhile takes the order through its
        # saga like any other.
        customer_id = customers.customer_register(name=f"{self.prefix} Customer", sms_number="555-0100")
        payment_id = payments.payment_authorize(customer_id=customer_id, amount=Decimal("100.00"))
        order_id = str(uuid.uuid4())
        items = [
            Item(
                store_id=store_id,
                product_id=products[i],
                store_name=f"{self.prefix} Store",
                product_name=f"{self.prefix} Product {i + 1}",
                price=Decimal("9.99"),
                quantity=1,
            )
            for i in range(3)
        ]
        ordering.order_create(order_id=order_id, customer_id=customer_id, payment_id=payment_id, items=items)
        user = get_user_model().objects.create_superuser(self.username, password=None)
        self.token = Token.objects.create(user=user).key
        self.paths = {
            ENDPOINTS[0]: f"/{BARE_PATH}{products[0]}",
            ENDPOINTS[1]: f"/api/stores/{store_id}/products",
            ENDPOINTS[2]: f"/api/ordering/{order_id}",
        }

    def start_server(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        self.write(f"[2/3] starting gunicorn on 127.0.0.1:{port} ...")
        self._log = (self.workdir / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [
                *[sys.executable, "-m", "gunicorn", "mallbots.tools.benchmarks.api.wsgi"],
                *["--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "sync"],
                *["--timeout", "60", "--no-control-socket", "--log-level", "warning"],
            ],
            cwd=settings.BASE_DIR,
            env=subprocess_environment(current_settings_module(), {"DEBUG": "false"}),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        self.urls = {name: base + path for name, path in self.paths.items()}
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}:\n{self._tail()}")
            try:
                answers = [load.status(url, self.token) for url in self.urls.values()]
            except OSError:
                answers = []
            if answers and all(code == 200 for code in answers):
                break
            if answers and any(code >= 400 for code in answers):
                raise RuntimeError(f"the endpoints answered {answers}:\n{self._tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {READY_SECONDS:g} s:\n{self._tail()}")
            time.sleep(0.1)
        self.write(f"      pid {self.process.pid}, every endpoint answers 200")

    def measure(self, name: str, client: str) -> None:
        o = self.options
        self.write(f"[3/3] {name}: {o.seconds:g} s ...")
        load.run(self.urls[name], self.token, seconds=1, connections=o.connections, client=client)  # warm-up
        result = self.results.loads[name] = load.run(
            self.urls[name], self.token, seconds=o.seconds, connections=o.connections, client=client
        )
        self.write(
            f"      {fmt_rate(result.per_second)}, p50 {fmt_ms(result.p50)}, p99 {fmt_ms(result.p99)}, "
            f"{result.errors} errors"
        )

    def _tail(self, lines: int = 30) -> str:
        try:
            text = (self.workdir / "gunicorn.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def finish(self) -> None:
        self.write("stopping gunicorn and cleaning up ...")
        with cleanup_step(self.write, "gunicorn"):
            if self.process is not None:
                self.write(f"      gunicorn pid {self.process.pid} {stop_group(self.process)}")
            if self._log is not None:
                self._log.close()
        removed: list[str] = []
        with cleanup_step(self.write, "the benchmark's client"):
            get_user_model().objects.filter(username=self.username).delete()  # and its token
        with cleanup_step(self.write, "database"), transaction.atomic(), connection.cursor() as cursor:
            removed += cleanup.clean_messages(cursor, [self.correlation], self.write)
        with cleanup_step(self.write, "redis"):
            client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
            removed.append(f"{cleanup.remove_queued_tasks(client, {self.correlation}):,} queued tasks")
        self.write(f"      removed the client and {', '.join(removed)}")
        self.write(
            f"      kept: the store, its products, the customer, the payment and the order, named {self.prefix}"
        )

    def report(self) -> None:
        w, loads = self.write, self.results.loads
        bare = loads.get(ENDPOINTS[0])
        if bare is None:
            return
        line = "-" * 84
        w("")
        w(
            f"{'Results (' + self.results.client + ')':<44}{'requests/s':>12}{'p50':>10}{'p99':>10}{'errors':>8}"
        )
        w(line)
        for name in ENDPOINTS:
            r = loads[name]
            w(f"{name:<44}{fmt_rate(r.per_second):>12}{fmt_ms(r.p50):>10}{fmt_ms(r.p99):>10}{r.errors:>8}")
        w(line)
        w("Ratios and targets")
        for name in ENDPOINTS[1:]:
            ratio = loads[name].per_second / bare.per_second if bare.per_second else 0.0
            label = f"  {name.split(':')[0]} / bare view requests/s >= {TARGET_RATIO:g}x"
            w(f"{label:<56}{ratio:>10.2f}x  {verdict(ratio >= TARGET_RATIO)}")

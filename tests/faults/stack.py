"""A whole MallBots of a test's own, as production runs it: its own PostgreSQL and Redis (so the
test can stop them), migrated, gunicorn serving the API, one Celery worker on every queue with
beat. Clients drive it over HTTP only; the final state is read from its database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import requests

from tests.conftest import ROOT, free_port, wait_until
from tests.private_postgres import PrivatePostgres

ALL_QUEUES = "stores,customers,baskets,ordering,payments,depot,notifications,search,messaging"


class Stack:
    def __init__(self, postgres: PrivatePostgres, redis_url: str, logs: Path) -> None:
        self.postgres, self.logs = postgres, logs
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mallbots.settings.test",
            "DATABASE_URL": postgres.url,
            "TEST_REDIS_URL": redis_url,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.url = ""
        self.session = requests.Session()
        self.statuses: list[int] = []  # every status the API answered, retried ones included

    # -- processes --

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start(self) -> None:
        self.manage("migrate", "-v", "0")
        token = re.search(
            r"^token: (\S+)$", self.manage("createdemouser", "--password", "faults"), re.MULTILINE
        )
        assert token is not None
        self.session.headers["Authorization"] = f"Token {token[1]}"
        port = free_port()
        self._spawn(
            "gunicorn", "-m", "gunicorn", "mallbots.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"
        )
        self.url = f"http://127.0.0.1:{port}"
        worker = self._spawn(
            "worker",
            *("-m", "celery", "-A", "mallbots", "worker", "-Q", ALL_QUEUES, "-c", "2", "-P", "prefork"),
            *("-l", "INFO", "--without-mingle", "--without-gossip", "-B", "-s", str(self.logs / "beat")),
        )
        wait_until(
            lambda: b"ready." in (self.logs / "worker.log").read_bytes() or worker.poll() is not None, 60
        )
        assert worker.poll() is None, (self.logs / "worker.log").read_text()
        wait_until(lambda: self._answers("/health/live"), timeout=60)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(5)

    def _answers(self, path: str) -> bool:
        try:
            return self.session.get(f"{self.url}{path}", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    # -- the API, as a patient client: it retries what answers 503 (with Retry-After) --

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, patience: float = 90
    ) -> Any:
        deadline = time.monotonic() + patience
        while True:
            try:
                response = self.session.request(method, f"{self.url}/api/{path}", json=body, timeout=15)
            except requests.ConnectionError:
                response = None
            if response is not None:
                self.statuses.append(response.status_code)
                if response.status_code != 503:
                    assert response.status_code == 200, (method, path, response.status_code, response.text)
                    return response.json()
                assert response.headers.get("Retry-After"), response.headers
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} still unavailable after {patience} s")
            time.sleep(0.2)  # a client's pause before it retries, not a proof of anything

    def order_status(self, order_id: str) -> str | None:
        response = self.session.get(f"{self.url}/api/ordering/{order_id}", timeout=15)
        return response.json()["order"]["status"] if response.status_code == 200 else None

    # -- the database, for the final state --

    @contextmanager
    def db(self) -> Iterator[psycopg.Cursor[Any]]:
        with (
            psycopg.connect(
                self.postgres.url.replace("postgres://", "postgresql://"), autocommit=True
            ) as conn,
            conn.cursor() as cursor,
        ):
            yield cursor

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.db() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class Shop:
    """A mall on a stack, and orders with known outcomes: most valid, some paid with too little."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        store = stack.call("POST", "stores", {"name": "Nic & Naks", "location": "Level 1"})["id"]
        self.product = stack.call(
            "POST",
            f"stores/{store}/products",
            {"name": "Wand", "description": "", "sku": "W1", "price": 9.99},
        )["id"]
        self.bots = [stack.call("POST", "depot/bots", {"name": f"Robo-{i}"})["id"] for i in range(12)]
        self.expected: dict[str, str] = {}

    def place(self, count: int) -> list[str]:
        placed = []
        for i in range(count):
            customer = self.stack.call(
                "POST", "customers", {"name": f"Shopper {i}", "smsNumber": "555-0100"}
            )["id"]
            small = i % 4 == 3
            payment = self.stack.call(
                "POST", "payments", {"customerId": customer, "amount": 1.0 if small else 100.0}
            )["id"]
            basket = self.stack.call("POST", "baskets", {"customerId": customer})["id"]
            self.stack.call(
                "PUT", f"baskets/{basket}/addItem", {"productId": self.product, "quantity": 1 + i % 3}
            )
            self.stack.call("PUT", f"baskets/{basket}/checkout", {"paymentId": payment})
            self.expected[basket] = "rejected" if small else "approved"
            placed.append(basket)
        return placed

    def outcomes_reached(self) -> bool:
        return all(self.stack.order_status(order) == outcome for order, outcome in self.expected.items())

    def approved(self) -> list[str]:
        return [order for order, outcome in self.expected.items() if outcome == "approved"]

    def finish(self) -> None:
        """Shop, complete and pay every approved order, through the API."""
        for order, bot in zip(self.approved(), self.bots, strict=False):
            [shopping] = self.stack.call("GET", f"depot/shopping?orderId={order}")["shoppingLists"]
            self.stack.call("PUT", f"depot/shopping/{shopping['id']}/assign", {"botId": bot})
            self.stack.call("PUT", f"depot/shopping/{shopping['id']}/complete")
        for order in self.approved():
            wait_until(lambda order=order: self._invoice(order), timeout=90)
            self.stack.call("PUT", f"payments/invoices/{order}/pay")

    def _invoice(self, order: str) -> bool:
        return (
            self.stack.session.get(f"{self.stack.url}/api/payments/invoices/{order}", timeout=15).status_code
            == 200
        )

    def assert_final_state(self) -> None:
        stack = self.stack
        for order in self.approved():
            wait_until(lambda order=order: stack.order_status(order) == "completed", timeout=90)
        wait_until(
            lambda: (
                not stack.rows(
                    "SELECT 1 FROM messaging_delivery WHERE status IN ('pending', 'retrying', 'held')"
                )
                and not stack.rows("SELECT 1 FROM messaging_message WHERE stream_position IS NULL")
            ),
            timeout=90,
        )
        for order, outcome in self.expected.items():
            lists = [
                s for (s,) in stack.rows("SELECT status FROM depot_shoppinglist WHERE order_id = %s", order)
            ]
            invoices = [
                s for (s,) in stack.rows("SELECT status FROM payments_invoice WHERE order_id = %s", order)
            ]
            sms = sorted(
                k
                for (k,) in stack.rows(
                    "SELECT kind FROM notifications_sentnotification WHERE order_id = %s", order
                )
            )
            if outcome == "approved":
                assert (lists, invoices, sms) == (
                    ["completed"],
                    ["paid"],
                    ["completed", "created", "ready"],
                ), order
            else:
                assert lists in ([], ["canceled"]) and invoices == [], order
                assert sms == ["created", "rejected"], order
                [(reason,)] = stack.rows("SELECT rejection_reason FROM ordering_order WHERE id = %s", order)
                assert reason == "the payment is smaller than the order total"
            [(searched,)] = stack.rows("SELECT status FROM search_searchorder WHERE order_id = %s", order)
            assert searched == stack.order_status(order)
        assert not stack.rows("SELECT 1 FROM messaging_delivery WHERE status = 'dead'")
        assert 500 not in stack.statuses

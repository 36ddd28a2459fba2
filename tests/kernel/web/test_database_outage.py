"""A database outage, for real: a server process (gunicorn, one worker) on a PostgreSQL of
the test's own, which the test stops and starts again. While it is down the API answers 503
with code 14 and Retry-After, the admin a 503 page with Retry-After; once it is back the same
process answers again, without a restart."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, wait_until
from tests.private_postgres import PrivatePostgres

pytestmark = [pytest.mark.integration, pytest.mark.fault]

ROOT = Path(__file__).resolve().parents[3]
UNAVAILABLE = {"code": 14, "message": "the service is temporarily unavailable, retry later", "details": []}


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def server(postgres: PrivatePostgres, tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen]]:
    """(url, superuser token, gunicorn process) on the private database, migrated."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mallbots.settings.test",
        "DATABASE_URL": postgres.url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MESSAGING_RELAY_ON_COMMIT": "off",
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate", "-v", "0")
    token = re.search(r"^token: (\S+)$", manage("createdemouser", "--password", "outage"), re.MULTILINE)
    assert token is not None
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "mallbots.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{url}/health/live"), timeout=60)
        yield url, token[1], process
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _admin_session(url: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/admin/login/", timeout=10)
    response = session.post(
        f"{url}/admin/login/?next=/admin/",
        data={
            "username": "demo",
            "password": "outage",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": f"{url}/admin/login/"},
        timeout=10,
    )
    assert response.status_code == 200 and "<title>Dashboard | MallBots</title>" in response.text
    return session


def test_a_database_outage_answers_503_with_retry_after_and_the_same_process_recovers(postgres, server):
    # given a server that answers the API and the admin
    url, token, process = server
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    admin = _admin_session(url)
    assert api.get(f"{url}/api/stores", timeout=10).json() == {"stores": []}
    assert admin.get(f"{url}/admin/stores/store/", timeout=10).status_code == 200

    # when the database stops
    postgres.stop()
    reads = api.get(f"{url}/api/stores", timeout=30)
    writes = api.post(f"{url}/api/stores", json={"name": "Nic & Naks", "location": "Level 1"}, timeout=30)
    page = admin.get(f"{url}/admin/stores/store/", timeout=30)

    # then the API answers 503, code 14, with Retry-After, and so does the admin, as a page
    for response in (reads, writes):
        assert (response.status_code, response.json(), response.headers["Retry-After"]) == (
            503,
            UNAVAILABLE,
            "5",
        )
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
    assert "MallBots is temporarily unavailable" in page.text

    # when the database is back
    postgres.start()
    back = time.monotonic()
    wait_until(lambda: api.get(f"{url}/api/stores", timeout=10).status_code == 200, timeout=60)
    recovered_in = time.monotonic() - back

    # then the same process answers again: reads, writes and the admin
    assert process.poll() is None
    created = api.post(f"{url}/api/stores", json={"name": "Nic & Naks", "location": "Level 1"}, timeout=30)
    assert created.status_code == 200
    assert [s["name"] for s in api.get(f"{url}/api/stores", timeout=10).json()["stores"]] == ["Nic & Naks"]
    assert admin.get(f"{url}/admin/stores/store/", timeout=10).status_code == 200
    print(f"first 200 after the database was back: {recovered_in:.2f}s")

"""The image's web process for real: gunicorn with production settings serves the pages, the
admin's CSS through WhiteNoise (collected as at image build), and stops gracefully on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gunicorn(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mallbots.settings.production",
        "SECRET_KEY": "production-server-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    # The Dockerfile's command, on a free port.
    process = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "mallbots.wsgi"],
            *["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
            *["--graceful-timeout", "30", "--keep-alive", "5", "--no-control-socket"],
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killing it takes the workers too
    )
    url = f"http://127.0.0.1:{port}"

    def live():
        try:
            return requests.get(f"{url}/health/live", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(live, timeout=30)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_gunicorn_serves_the_admin_with_its_css_from_hashed_static_files(gunicorn):
    # given
    url, _ = gunicorn

    # when
    page = requests.get(f"{url}/admin/login/", timeout=5)
    css_path = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text).group(1)
    css = requests.get(f"{url}{css_path}", headers={"Accept-Encoding": "gzip"}, timeout=5)

    # then
    assert page.status_code == 200
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert css.headers["Content-Encoding"] == "gzip"
    assert "body" in css.text


def test_gunicorn_serves_the_events_page_and_health_without_auth(gunicorn):
    # given
    url, _ = gunicorn

    # when
    events = requests.get(f"{url}/api/events/", timeout=5)
    document = requests.get(f"{url}/api/events/asyncapi.json", timeout=5)
    live = requests.get(f"{url}/health/live", timeout=5)

    # then
    assert (events.status_code, document.status_code, live.status_code) == (200, 200, 200)
    assert document.json()["asyncapi"] == "3.0.0"
    assert live.json() == {"status": "ok"}
    assert live.headers["X-Content-Type-Options"] == "nosniff"


def test_gunicorn_stops_gracefully_on_sigterm(gunicorn):
    # given
    _, process = gunicorn

    # when
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=35)

    # then
    assert code == 0
    assert time.monotonic() - started < 30


def test_production_settings_pass_the_deployment_checks():
    # given production settings with a strong secret, as a deployment sets them
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mallbots.settings.production",
        "SECRET_KEY": "Qm2Vd9Lr4Tz8Hk1Bn6Wc3Pf5Gs0JaX7eYu2Ni8Ro4Sp1Tq6Uv3",
        "ALLOWED_HOSTS": "mall.example.com",
    }

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (0 silenced).\n"

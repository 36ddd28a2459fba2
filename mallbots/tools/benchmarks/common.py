"""What the benchmarks share: how they print figures and measure CPU."""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Write = Callable[[str], None]


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

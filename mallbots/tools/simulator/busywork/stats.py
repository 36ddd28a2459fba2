"""What busywork counts, shared by its threads, and how it reads: the live progress line and the
final summary."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from mallbots.kernel.ops.figures import percentile

FIRST_ERRORS_SHOWN = 5

Outcome = Literal[
    "completed", "rejected", "rejected_unexpectedly", "cancelled", "stuck", "failed", "interrupted"
]


@dataclass(frozen=True)
class Snapshot:
    started: int = 0
    approved: int = 0
    completed: int = 0
    rejected: int = 0
    rejected_unexpectedly: int = 0
    cancelled: int = 0
    stuck: int = 0
    failed: int = 0
    interrupted: int = 0
    errors: int = 0
    lists_shopped: int = 0
    approval_ms: tuple[float, ...] = ()
    first_errors: tuple[tuple[str, int], ...] = ()

    @property
    def final(self) -> int:
        """Orders that reached a final state: completed, rejected or cancelled."""
        return self.completed + self.rejected + self.cancelled

    @property
    def in_flight(self) -> int:
        return self.started - self.final - self.stuck - self.failed - self.interrupted


class Stats:
    """Thread-safe counters. An order ends exactly once: completed, rejected (on purpose or
    not), cancelled, stuck (no progress within the timeout), failed (given up after an error) or
    interrupted (Ctrl-C)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._approval_ms: list[float] = []
        self._errors: Counter[str] = Counter()  # insertion-ordered: first seen first

    def order_started(self) -> None:
        self._add("started")

    def order_approved(self, checkout_to_approved_ms: float) -> None:
        with self._lock:
            self._counts["approved"] += 1
            self._approval_ms.append(checkout_to_approved_ms)

    def order_ended(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome == "rejected_unexpectedly":
                self._counts["rejected"] += 1
            self._counts[outcome] += 1

    def list_shopped(self) -> None:
        self._add("lists_shopped")

    def error(self, message: str) -> None:
        with self._lock:
            self._counts["errors"] += 1
            self._errors[message] += 1

    def snapshot(self) -> Snapshot:
        with self._lock:
            counts = dict(self._counts)
            return Snapshot(
                **counts,
                approval_ms=tuple(self._approval_ms),
                first_errors=tuple(list(self._errors.items())[:FIRST_ERRORS_SHOWN]),
            )

    def _add(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1


def progress_line(s: Snapshot, elapsed: float) -> str:
    return (
        f"{elapsed:5.0f}s  started {s.started}  approved {s.approved}  rejected {s.rejected}  "
        f"cancelled {s.cancelled}  completed {s.completed}  in flight {s.in_flight}  errors {s.errors}"
    )


def summary_lines(
    s: Snapshot, *, clients: int, url: str, ran: float, drained: float, timeout: float, interrupted: bool
) -> list[str]:
    minutes = max(ran + drained, 1e-9) / 60

    def row(label: str, value: int | str, note: str = "") -> str:
        value = f"{value:6d}" if isinstance(value, int) else value
        return f"  {label:<20}{value}{'   ' + note if note else ''}"

    how_long = f"for {ran:.1f}s, " + (
        "then stopped early (Ctrl-C or a signal)"
        if interrupted
        else f"then {drained:.1f}s to finish the orders in flight"
    )
    lines = [
        f"Busywork against {url}: {clients} client{'s' if clients != 1 else ''} {how_long}",
        row("orders started", s.started),
        row("completed", s.completed),
        row(
            "rejected",
            s.rejected,
            f"({s.rejected - s.rejected_unexpectedly} on purpose, {s.rejected_unexpectedly} unexpected)",
        ),
        row("cancelled", s.cancelled, "(after approval, on purpose)"),
        row("stuck", s.stuck, f"(no progress within {timeout:g}s)"),
        row("failed", s.failed, "(given up after an error)"),
        row("interrupted", s.interrupted, "(in flight when stopped early)"),
        row("errors", s.errors),
        row("lists shopped", s.lists_shopped, "(by the bot operator)"),
    ]
    if s.approval_ms:
        p50, p99 = percentile(s.approval_ms, 50), percentile(s.approval_ms, 99)
        lines.append(
            row("checkout->approved", f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({len(s.approval_ms)} orders)")
        )
    else:
        lines.append(row("checkout->approved", "no order was approved"))
    per_minute = f"{s.final / minutes:.1f} orders/minute reached a final state"
    lines.append(row("throughput", f"{per_minute} ({s.completed / minutes:.1f} completed)"))
    unfinished = s.started - s.final
    if unfinished == 0:
        lines.append("  every order reached a final state (completed, rejected or cancelled)")
    else:
        lines.append(f"  {unfinished} of {s.started} orders did not reach a final state")
    if s.first_errors:
        lines.append("First errors:")
        lines.extend(f"  {count}x {message}" for message, count in s.first_errors)
    return lines

"""What `benchmark kernel` measures, and the loop that runs an operation on N threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mallbots.kernel.ops.figures import percentile

from ..common import machine_ticks, process_cpu


@dataclass
class Options:
    seconds: float = 5.0
    threads: int = 4
    sizes: tuple[int, ...] = (10, 1_000, 10_000)
    messages: int = 5_000
    counters_per_thread: int = 100


@dataclass
class Rate:
    ops: int
    elapsed: float
    latencies: list[float] = field(default_factory=list)
    process_cpu: float = 0.0  # CPU seconds of this process (all threads) while measuring
    machine_busy: float | None = None  # share of all cores busy while measuring (Linux)

    @property
    def per_second(self) -> float:
        return self.ops / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: float) -> float:
        """Of the latencies, p in 0..100."""
        return percentile(self.latencies, p)


@dataclass
class LoadTime:
    events: int
    with_snapshot: float  # seconds, median
    without_snapshot: float
    snapshot_version: int | None  # version of the snapshot the stream has, if any
    loads: int


@dataclass
class Results:
    raw_threads: Rate | None = None
    raw_single: Rate | None = None
    commands: Rate | None = None
    statements_per_command: int | None = None
    loads: list[LoadTime] = field(default_factory=list)
    relay: Rate | None = None
    raw_publish: Rate | None = None
    other_unsent_rows: int = 0
    reconcile: Rate | None = None  # deliveries sent again by the sweep after a broker loss
    recovery_seconds: float = 0.0  # from the loss until every lost delivery was sent again
    commands_during_recovery: Rate | None = None


def run_threads(
    threads: int,
    seconds: float,
    setup: Callable[[int], Any],
    op: Callable[[Any, int], None],
    teardown: Callable[[Any], None],
) -> Rate:
    """Run `op` in a loop on `threads` threads for `seconds`, all starting together after
    their `setup`. Returns the operations done, the wall time and every op's latency."""
    stop = threading.Event()
    started: list[float] = []
    cpu_at_start: list[Any] = []

    def start() -> None:
        cpu_at_start.extend([process_cpu(), machine_ticks()])
        started.append(time.perf_counter())

    barrier = threading.Barrier(threads, action=start)
    counts = [0] * threads
    latencies: list[list[float]] = [[] for _ in range(threads)]
    finished = [0.0] * threads
    errors: list[BaseException] = []

    def work(index: int) -> None:
        state = None
        try:
            state = setup(index)
            barrier.wait()
            deadline = started[0] + seconds
            done, lat, i = 0, latencies[index], 0
            while not stop.is_set():
                t0 = time.perf_counter()
                if t0 >= deadline:
                    break
                op(state, i)
                lat.append(time.perf_counter() - t0)
                done += 1
                i += 1
            counts[index] = done
            finished[index] = time.perf_counter()
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:
            errors.append(exc)
            stop.set()
            barrier.abort()
        finally:
            teardown(state)

    pool = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    try:
        for t in pool:
            while t.is_alive():
                t.join(0.2)
    except BaseException:
        stop.set()
        barrier.abort()
        for t in pool:
            t.join(30)
        raise
    if errors:
        raise errors[0]
    elapsed = max(finished) - started[0]
    cpu = process_cpu() - cpu_at_start[0]
    ticks, ticks_at_start = machine_ticks(), cpu_at_start[1]
    busy = None
    if ticks and ticks_at_start and ticks[1] > ticks_at_start[1]:
        busy = (ticks[0] - ticks_at_start[0]) / (ticks[1] - ticks_at_start[1])
    return Rate(sum(counts), elapsed, [x for lat in latencies for x in lat], cpu, busy)

"""The report of `benchmark saga`: every figure with one column per saga mode, the ratios to
the raw Celery limits measured in the same run, and the targets."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from mallbots.kernel.ops.figures import percentile
from mallbots.tools.worker import PROFILE_PHASES

from ..common import Write, fmt_ms, fmt_rate, verdict
from .results import CRITICAL_PATH, ModeRun, Options, Phase, Results, hops

CONCURRENCY = 2
TARGET_LATENCY_FACTOR = 4.0  # saga p50 <= 4x the p50 of a raw chain as long as its critical path
TARGET_THROUGHPUT_RATIO = 0.6  # saga orders/s >= 60% of what the raw task rate allows
TARGET_CPU_PER_DELIVERY = 0.0025  # worker CPU per delivery <= 2.5 ms
TARGET_HOP_MS = 4.0  # each hop of the critical path <= 4 ms (worker log p50, steady rate)
LABEL = 52
COLUMN = 22
LINE = "-" * (LABEL + 2 * COLUMN)


def noop_rate(results: Results, options: Options) -> float:
    return options.noops / results.noop_elapsed if results.noop_elapsed > 0 else 0.0


def _pair(values: Sequence[float]) -> str:
    return f"{fmt_ms(percentile(values, 50))} / {fmt_ms(percentile(values, 99))}" if values else "-"


class _Table:
    def __init__(self, runs: list[ModeRun], write: Write) -> None:
        self.runs = runs
        self.write = write

    def row(self, label: str, *values: str) -> None:
        self.write((f"{label:<{LABEL}}" + "".join(f"{value:>{COLUMN}}" for value in values)).rstrip())

    def each(self, label: str, value: Callable[[ModeRun], str]) -> None:
        """A row with one value per mode."""
        self.row(label, *(value(run) for run in self.runs))


def write_report(results: Results, options: Options, write: Write) -> None:
    runs = [results.runs[mode] for mode in options.modes if mode in results.runs]
    if not runs:
        return
    rate = noop_rate(results, options)
    t = _Table(runs, write)
    write("")
    t.row("Results", *(run.mode for run in runs))
    write(LINE)
    t.each("raw Celery chain as long as the saga's path", lambda r: f"{hops(r.mode)} hops")
    t.each(
        f"  p50 / p99 ({len(results.chains.get(hops(runs[0].mode), []))} chains each)",
        lambda r: _pair(results.chains.get(hops(r.mode), [])),
    )
    t.row(f"raw Celery no-op tasks, {options.noops:,} tasks, 1 worker", fmt_rate(rate))
    if results.noop_worker_cpu is not None:
        t.row("  worker CPU per no-op task", fmt_ms(results.noop_worker_cpu / options.noops))
    write(LINE)
    t.row(f"saga checkout -> approved, {len(runs[0].latency.orders)} orders at {options.rate:g}/s")
    t.each("  p50 / p99", lambda r: _pair(r.latency.latencies))
    t.each("  warm-up order (the first of its worker)", lambda r: fmt_ms(r.warm_up))
    t.each(
        "  checkout in this process (start, add, checkout) p50",
        lambda r: fmt_ms(percentile([o.returned - o.called for o in r.latency.orders], 50)),
    )
    t.each("  approved / rejected / unfinished", lambda r: _outcomes(r.latency))
    write(LINE)
    t.row(f"saga throughput, {options.orders:,} orders from {options.threads} threads")
    t.each("  orders/s", lambda r: f"{r.throughput.orders_per_second:,.1f}")
    t.each(
        "  all submitted in / all finished in",
        lambda r: (
            f"{r.throughput.submitted - r.throughput.began:.2f} s / {r.throughput.ended - r.throughput.began:.2f} s"
        ),
    )
    t.each("  checkout -> approved under that load, p50 / p99", lambda r: _pair(r.throughput.latencies))
    t.each("  approved / rejected / unfinished", lambda r: _outcomes(r.throughput))
    t.each("  Celery tasks per order (outbox deliveries)", lambda r: f"{r.deliveries_per_order:.1f}")
    t.each(
        "  messaging.deliver tasks the worker ran per order",
        lambda r: "-" if r.celery_tasks_per_order is None else f"{r.celery_tasks_per_order:.1f}",
    )
    t.each(
        "  PostgreSQL sessions opened per delivery",
        lambda r: "-" if r.sessions_per_delivery is None else f"{r.sessions_per_delivery:.2f}",
    )
    t.each("  worker CPU per order / per delivery", _worker_cpu)
    t.each(
        f"  worker CPU busy (of {CONCURRENCY} processes)",
        lambda r: (
            "-"
            if r.throughput.worker_cpu is None or r.throughput.ended <= r.throughput.began
            else f"{r.throughput.worker_cpu / (r.throughput.ended - r.throughput.began) / CONCURRENCY:.0%}"
        ),
    )
    t.each("  this process CPU (checkouts, relay, polling)", lambda r: f"{r.throughput.process_cpu:.2f} s")
    t.each(
        f"  machine CPU busy ({os.cpu_count()} cores)",
        lambda r: "-" if r.throughput.machine_busy is None else f"{r.throughput.machine_busy:.0%}",
    )
    t.each("raw Celery throughput allows (orders/s)", lambda r: f"{_allows(r, rate):,.1f}")
    write(LINE)
    t.row("Ratios")
    t.each("  saga p50 / raw chain p50, as many hops", lambda r: f"{_latency_factor(r, results):.1f}x")
    t.each(
        f"  saga p50 / raw {hops('choreography')}-hop chain p50 (the same workflow)",
        lambda r: f"{_latency_factor(r, results, hops('choreography')):.1f}x",
    )
    t.each("  saga orders/s / what raw Celery allows", lambda r: f"{_throughput_ratio(r, rate):.1%}")
    write(LINE)
    write("Targets")
    for run in runs:
        factor, ratio = _latency_factor(run, results), _throughput_ratio(run, rate)
        p50 = percentile(run.latency.latencies, 50)
        cpu = _cpu_per_delivery(run)
        slowest = _slowest_hop(run)
        rows = [
            (
                f"saga p50 <= {TARGET_LATENCY_FACTOR:g}x raw chain p50",
                f"{fmt_ms(p50)} = {factor:.1f}x",
                factor <= TARGET_LATENCY_FACTOR,
            ),
            (
                f"saga orders/s >= {TARGET_THROUGHPUT_RATIO:.0%} of raw allows",
                f"{run.throughput.orders_per_second:,.1f}/s = {ratio:.0%}",
                ratio >= TARGET_THROUGHPUT_RATIO,
            ),
            (
                f"worker CPU per delivery <= {TARGET_CPU_PER_DELIVERY * 1000:g} ms",
                "-" if cpu is None else fmt_ms(cpu),
                cpu is not None and cpu <= TARGET_CPU_PER_DELIVERY,
            ),
            (
                f"every hop p50 <= {TARGET_HOP_MS:g} ms",
                f"slowest {slowest:.1f} ms",
                slowest <= TARGET_HOP_MS,
            ),
        ]
        for label, value, ok in rows:
            write(f"  {run.mode:<14}{label:<38}{value:>20}  {verdict(ok)}")
    write(
        f"  (raw chain = as many hops as the mode's path from checkout to approval; raw allows = "
        f"{fmt_rate(rate)} no-op tasks / the mode's tasks per order; latency polled every 10 ms)"
    )
    for run in runs:
        _write_deliveries(run, write)
        _write_handlers(run, write)
        _write_profile(run, write)


def _outcomes(phase: Phase) -> str:
    return f"{len(phase.approved)} / {len(phase.rejected)} / {phase.timed_out}"


def _cpu_per_delivery(run: ModeRun) -> float | None:
    phase = run.throughput
    if phase.worker_cpu is None or not phase.finished or not run.deliveries_per_order:
        return None
    return phase.worker_cpu / len(phase.finished) / run.deliveries_per_order


def _slowest_hop(run: ModeRun) -> float:
    """Milliseconds: the largest p50 among the critical path's handlers at the steady rate."""
    times = run.latency.handler_ms
    return max((percentile(times.get(h, []), 50) for h in CRITICAL_PATH[run.mode]), default=0.0)


def _worker_cpu(run: ModeRun) -> str:
    phase = run.throughput
    if phase.worker_cpu is None or not phase.finished:
        return "-"
    per_order = phase.worker_cpu / len(phase.finished)
    return f"{fmt_ms(per_order)} / {fmt_ms(per_order / max(run.deliveries_per_order, 1))}"


def _allows(run: ModeRun, rate: float) -> float:
    return rate / run.deliveries_per_order if run.deliveries_per_order else 0.0


def _latency_factor(run: ModeRun, results: Results, length: int | None = None) -> float:
    chain = percentile(results.chains.get(length or hops(run.mode), []), 50)
    return percentile(run.latency.latencies, 50) / chain if chain > 0 else float("inf")


def _throughput_ratio(run: ModeRun, rate: float) -> float:
    allows = _allows(run, rate)
    return run.throughput.orders_per_second / allows if allows else 0.0


def _write_deliveries(run: ModeRun, write: Write) -> None:
    write(LINE)
    write(f"{run.mode}: deliveries per order, by handler ({run.deliveries_per_order:.1f} in all)")
    write(
        "    " + ", ".join(f"{name.split('.', 1)[-1]} {n:g}" for name, n in run.deliveries_by_message.items())
    )


def _write_handlers(run: ModeRun, write: Write) -> None:
    """Where an order's time goes inside the worker: every handler's time per delivery, as the
    kernel logs it (inbox, handler, commit, and the relay of what it published)."""
    lat, thr = run.latency, run.throughput
    if not (lat.handler_ms or thr.handler_ms):
        return
    path = CRITICAL_PATH[run.mode]
    write(f"{run.mode}: time per delivery in the worker (its log: inbox + handler + commit + relay)")
    write(f"{'':<54}{'steady':>10}{'throughput phase':>24}")
    write(f"{'  hop / handler':<54}{'p50':>10}{'n':>6}{'p50':>10}{'total':>10}")
    hop_of: dict[str, str] = {}
    for i, handler in enumerate(path, 1):
        hop_of[handler] = f"{hop_of[handler]},{i}" if handler in hop_of else str(i)
    others = sorted(
        (set(lat.handler_ms) | set(thr.handler_ms)) - set(path), key=lambda h: -sum(thr.handler_ms.get(h, []))
    )
    for handler in [*hop_of, *others]:
        times = thr.handler_ms.get(handler, [])
        write(
            f"  {hop_of.get(handler, ''):>7} {handler:<44}{_p50(lat.handler_ms.get(handler)):>10}{len(times):>6}"
            f"{_p50(times):>10}{sum(times) / 1000:>8.2f} s"
        )
    on_path = sum(percentile(lat.handler_ms.get(h, []), 50) for h in path) / 1000
    saga_p50 = percentile(lat.latencies, 50)
    write(
        f"  hops 1-{len(path)} at the steady rate: {fmt_ms(on_path)} of the saga's p50 {fmt_ms(saga_p50)}; "
        f"the other {fmt_ms(max(saga_p50 - on_path, 0.0))} are queues, sibling deliveries and polling"
    )


def _p50(values: list[float] | None) -> str:
    return fmt_ms(percentile(values, 50) / 1000) if values else "-"


def _write_profile(run: ModeRun, write: Write) -> None:
    """With --profile: where a delivery's time goes, by phase (mallbots/kernel/messaging/profile.py),
    over every delivery of each phase and over the critical path's."""
    lat, thr = run.latency, run.throughput
    if not (lat.profiles or thr.profiles):
        return
    path = set(CRITICAL_PATH[run.mode])
    write(f"{run.mode}: where a delivery's time goes (--profile), ms per delivery")
    write(f"{'':<22}{'steady':>22}{'throughput phase':>22}{'critical path (steady)':>26}")
    write(f"{'  phase':<22}{'p50':>11}{'mean':>11}{'p50':>11}{'mean':>11}{'p50':>13}{'mean':>13}")
    on_path = [p for h, p in lat.profiles if h in path]
    for name in PROFILE_PHASES:
        cells = []
        for profiles, width in (
            ([p for _, p in lat.profiles], 11),
            ([p for _, p in thr.profiles], 11),
            (on_path, 13),
        ):
            values = [p[name] for p in profiles]
            mean = sum(values) / len(values) if values else 0.0
            cells.append(f"{percentile(values, 50):>{width}.2f}{mean:>{width}.2f}")
        write(f"  {name:<20}" + "".join(cells))
    write(
        f"  ({len(lat.profiles)} + {len(thr.profiles)} deliveries; broker: from the send until the worker "
        "started it; total: the worker's whole delivery)"
    )

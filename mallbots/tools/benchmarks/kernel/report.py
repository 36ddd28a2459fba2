"""The report of `benchmark kernel`: results, ratios to the raw limits measured in the same
run, and the targets."""

from __future__ import annotations

import os

from django.conf import settings

from ..common import Write, fmt_ms, fmt_rate, verdict
from .measure import Options, Rate, Results

TARGET_COMMAND_RATIO = 0.5  # event-sourced commands/s >= 50% of raw INSERT+COMMIT on as many threads
TARGET_RELAY_RATIO = 0.80
# "Flat": the largest stream loads in at most this many times the smallest one's time.
FLAT_FACTOR = 2.0


def write_report(r: Results, o: Options, w: Write) -> None:
    assert r.raw_threads and r.raw_single and r.commands and r.relay and r.raw_publish
    cmd_ratio = r.commands.per_second / r.raw_threads.per_second
    relay_ratio = r.relay.per_second / r.raw_publish.per_second
    line = "-" * 78
    w("")
    w("Results")
    w(line)
    w(
        f"{'raw psycopg INSERT+COMMIT, ' + str(o.threads) + ' threads':<50}{fmt_rate(r.raw_threads.per_second):>14}"
    )
    w(f"{'raw psycopg INSERT+COMMIT, 1 thread':<50}{fmt_rate(r.raw_single.per_second):>14}")
    w(f"{'event-sourced command, ' + str(o.threads) + ' threads':<50}{fmt_rate(r.commands.per_second):>14}")
    w(
        f"{'  latency p50 / p99':<50}{fmt_ms(r.commands.percentile(50)):>14} / "
        f"{fmt_ms(r.commands.percentile(99))}"
    )
    w(f"{'  SQL statements per command (with BEGIN, COMMIT)':<50}{r.statements_per_command:>14}")
    per_op = r.commands.process_cpu / r.commands.ops if r.commands.ops else 0.0
    w(f"{'  CPU of this process per command (GIL-bound)':<50}{fmt_ms(per_op):>14}")
    if r.commands.machine_busy is not None:
        w(
            f"{'  machine CPU busy during the phase (' + str(os.cpu_count()) + ' cores)':<50}"
            f"{r.commands.machine_busy:>14.0%}"
        )
    w(line)
    w(f"{'aggregate load (median)':<26}{'events':>10}{'snapshot':>12}{'with snapshots':>16}{'without':>14}")
    for lt in r.loads:
        snap = f"v{lt.snapshot_version}" if lt.snapshot_version else "none"
        w(
            f"{'':<26}{lt.events:>10,}{snap:>12}{fmt_ms(lt.with_snapshot):>16}{fmt_ms(lt.without_snapshot):>14}"
        )
    w(line)
    w(
        f"{'outbox relay (relay_pending), ' + f'{r.relay.ops:,} messages':<50}{fmt_rate(r.relay.per_second):>14}"
    )
    w(
        f"{'raw Celery send_task, ' + f'{r.raw_publish.ops:,} messages':<50}{fmt_rate(r.raw_publish.per_second):>14}"
    )
    w(line)
    w("Ratios")
    w(f"{'  commands / raw INSERT+COMMIT (' + str(o.threads) + ' threads)':<50}{cmd_ratio:>14.1%}")
    w(
        f"{'  commands / raw INSERT+COMMIT (1 thread)':<50}{r.commands.per_second / r.raw_single.per_second:>14.1%}"
    )
    w(
        f"{'  raw INSERT+COMMIT ' + str(o.threads) + ' threads / 1 thread':<50}"
        f"{r.raw_threads.per_second / r.raw_single.per_second:>13.2f}x"
    )
    w(f"{'  relay / raw publish':<50}{relay_ratio:>14.1%}")
    if r.reconcile and r.commands_during_recovery:
        w(line)
        w(
            f"{'reconciliation after a broker loss, ' + f'{r.reconcile.ops:,} deliveries':<50}{fmt_rate(r.reconcile.per_second):>14}"
        )
        w(f"{'  reconciled / raw publish':<50}{r.reconcile.per_second / r.raw_publish.per_second:>14.1%}")
        w(
            f"{'  recovery after a loss under load (deadline ' + f'{settings.MESSAGING_REDELIVER_AFTER_SECONDS:g} s)':<50}{r.recovery_seconds:>12.1f} s"
        )
        w(
            f"{'  commands during the recovery / without it':<50}{r.commands_during_recovery.per_second / r.commands.per_second:>14.1%}"
        )
    w(line)
    w("Targets")
    w(
        f"  {'commands >= 50% of raw INSERT+COMMIT':<40}"
        f"{f'{fmt_rate(r.commands.per_second)} = {cmd_ratio:.1%}':>22}  {verdict(cmd_ratio >= TARGET_COMMAND_RATIO)}"
    )
    with_snap = [lt.with_snapshot for lt in r.loads]
    largest = max(r.loads, key=lambda lt: lt.events)
    smallest = min(r.loads, key=lambda lt: lt.events)
    flat = largest.with_snapshot / smallest.with_snapshot if with_snap else 0.0
    w(
        f"  {'load time flat with snapshots':<40}"
        f"{f'{largest.events:,} vs {smallest.events:,} events: {flat:.2f}x':>22}  "
        f"{verdict(flat <= FLAT_FACTOR)}"
    )
    w(
        f"  {'relay >= 80% of raw publish':<40}{relay_ratio:>22.1%}  {verdict(relay_ratio >= TARGET_RELAY_RATIO)}"
    )
    w(f"  (flat = the largest stream loads in <= {FLAT_FACTOR:g}x the smallest one's time)")


def cpu_note(rate: Rate) -> str:
    per_op = rate.process_cpu / rate.ops if rate.ops else 0.0
    note = f"this process {per_op * 1e6:,.0f} us CPU per command"
    if rate.machine_busy is not None:
        note += f", machine CPU {rate.machine_busy:.0%} busy"
    return note

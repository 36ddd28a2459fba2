"""`python manage.py benchmark kernel`: throughput and latency figures of the kernel on the
configured database and broker. A benchmark, not a test: it prints figures, ratios to the raw
limits measured in the same run, and PASS/MISS against the targets; it exits 0 either way."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


class Command(BaseCommand):
    help = (
        "Benchmark the kernel against the configured database and broker: raw INSERT+COMMIT "
        "limit, event-sourced commands/s with latency, aggregate load time with and without "
        "snapshots, outbox relay vs raw Celery publish. Cleans up everything it writes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["kernel"], help="what to benchmark")
        parser.add_argument("--seconds", type=float, default=5.0, help="duration of each timed phase")
        parser.add_argument("--threads", type=int, default=4, help="concurrent writers")
        parser.add_argument(
            "--sizes",
            type=_sizes,
            default=(10, 1_000, 10_000),
            help="stream lengths of the load-time phase, comma-separated (default 10,1000,10000)",
        )
        parser.add_argument("--messages", type=int, default=5_000, help="outbox messages of the relay phase")
        parser.add_argument(
            "--counters", type=int, default=100, help="counters (aggregates) per writer thread"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from mallbots.benchmarks.kernel import KernelBenchmark, Options

        if (
            options["seconds"] <= 0
            or options["threads"] < 1
            or options["messages"] < 1
            or options["counters"] < 1
        ):
            raise CommandError("--seconds, --threads, --messages and --counters must be positive")
        sizes = options["sizes"]
        if isinstance(sizes, str):  # call_command passes defaults through unparsed
            sizes = _sizes(sizes)
        bench = KernelBenchmark(
            Options(
                seconds=options["seconds"],
                threads=options["threads"],
                sizes=tuple(sizes),
                messages=options["messages"],
                counters_per_thread=options["counters"],
            ),
            write=self._write,
        )
        try:
            bench.run()
        except KeyboardInterrupt:
            raise CommandError("interrupted; what the benchmark had written was cleaned up") from None

    def _write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # progress lines show up while a phase runs

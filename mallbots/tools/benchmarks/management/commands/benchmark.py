"""`python manage.py benchmark kernel|saga`: throughput and latency figures on the configured
database and broker. A benchmark, not a test: it prints figures, ratios to the raw limits
measured in the same run, and PASS/MISS against the targets; it exits 0 either way.

- `kernel`: the kernel's paths (event-sourced commands, aggregate loads, outbox relay) next to
  raw INSERT+COMMIT and raw Celery publishing.
- `saga`: the create-order saga end to end, choreographed and orchestrated (`--mode`), on a
  worker the command starts itself, next to raw Celery task chains of the same lengths and
  the raw task rate of that worker.

See mallbots/tools/benchmarks/README.md for how to read them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
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
        "Benchmark against the configured database and broker. `kernel`: raw INSERT+COMMIT "
        "limit, event-sourced commands/s with latency, aggregate load time with and without "
        "snapshots, outbox relay vs raw Celery publish. `saga`: create-order saga latency and "
        "orders/s in each mode (--mode) on a worker it starts, vs raw Celery chains as long as "
        "each mode's path and the raw task rate. "
        "Cleans up what it writes (the saga's mall data stays, named with the run id)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["kernel", "saga", "api"], help="what to benchmark")
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="kernel: duration of each timed phase (default 5); saga: duration of the steady-rate "
            "latency phase (default 10)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="kernel: concurrent writers; saga: threads submitting the throughput phase's checkouts",
        )
        parser.add_argument(
            "--sizes",
            type=_sizes,
            default=(10, 1_000, 10_000),
            help="kernel: stream lengths of the load-time phase, comma-separated (default 10,1000,10000)",
        )
        parser.add_argument(
            "--messages", type=int, default=5_000, help="kernel: outbox messages of the relay phase"
        )
        parser.add_argument(
            "--counters", type=int, default=100, help="kernel: counters (aggregates) per writer thread"
        )
        parser.add_argument(
            "--rate", type=float, default=2.0, help="saga: checkouts per second of the latency phase"
        )
        parser.add_argument("--orders", type=int, default=200, help="saga: checkouts of the throughput phase")
        parser.add_argument(
            "--mode",
            choices=["choreography", "orchestration", "both"],
            default="both",
            help="saga: the way the saga runs (MALLBOTS_SAGA) on the benchmark's worker; both (the "
            "default) measures each in turn, side by side in one report",
        )

        parser.add_argument(
            "--profile",
            action="store_true",
            help="saga: the workers log where each delivery's time goes (broker, claim, handler, outbox, "
            "commit, relay), reported per mode",
        )
        parser.add_argument(
            "--connections", type=int, default=4, help="api: concurrent connections of the load generator"
        )
        parser.add_argument(
            "--client",
            choices=["auto", "wrk", "python"],
            default="auto",
            help="api: the load generator: wrk (Debian's package), python, or auto (wrk when installed)",
        )
        parser.add_argument("--products", type=int, default=20, help="api: products in the catalog read")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["target"] == "saga":
            self._saga(options)
        elif options["target"] == "api":
            self._api(options)
        else:
            self._kernel(options)

    def _api(self, options: dict[str, Any]) -> None:
        from mallbots.tools.benchmarks.api.run import ApiBenchmark, Options

        seconds = 10.0 if options["seconds"] is None else options["seconds"]
        if seconds <= 0 or options["connections"] < 1 or not 3 <= options["products"] <= 1000:
            raise CommandError("--seconds and --connections must be positive, --products between 3 and 1000")
        bench = ApiBenchmark(
            Options(
                seconds=seconds,
                connections=options["connections"],
                products=options["products"],
                client=options["client"],
            ),
            write=self._write,
        )
        self._run(bench.run, "gunicorn was stopped and the benchmark's client removed")

    def _kernel(self, options: dict[str, Any]) -> None:
        from mallbots.tools.benchmarks.kernel import KernelBenchmark, Options

        seconds = 5.0 if options["seconds"] is None else options["seconds"]
        if seconds <= 0 or options["threads"] < 1 or options["messages"] < 1 or options["counters"] < 1:
            raise CommandError("--seconds, --threads, --messages and --counters must be positive")
        sizes = options["sizes"]
        if isinstance(sizes, str):  # call_command passes defaults through unparsed
            sizes = _sizes(sizes)
        bench = KernelBenchmark(
            Options(
                seconds=seconds,
                threads=options["threads"],
                sizes=tuple(sizes),
                messages=options["messages"],
                counters_per_thread=options["counters"],
            ),
            write=self._write,
        )
        self._run(bench.run, "what the benchmark had written was cleaned up")

    def _saga(self, options: dict[str, Any]) -> None:
        from mallbots.tools.benchmarks.saga import MODES, Options, SagaBenchmark

        seconds = 10.0 if options["seconds"] is None else options["seconds"]
        if seconds <= 0 or options["rate"] <= 0 or options["orders"] < 1 or options["threads"] < 1:
            raise CommandError("--seconds, --rate, --orders and --threads must be positive")
        bench = SagaBenchmark(
            Options(
                seconds=seconds,
                rate=options["rate"],
                orders=options["orders"],
                threads=options["threads"],
                modes=MODES if options["mode"] == "both" else (options["mode"],),
                profile=options["profile"],
            ),
            write=self._write,
        )
        self._run(bench.run, "the worker was stopped and the benchmark's messages and keys removed")

    def _run(self, run: Callable[[], object], cleaned: str) -> None:
        """Run a benchmark; Ctrl-C, or a benchmark that cannot go on, is a command error saying
        what its cleanup did."""
        try:
            run()
        except KeyboardInterrupt:
            raise CommandError(f"interrupted; {cleaned}") from None
        except RuntimeError as exc:
            raise CommandError(f"{exc}; {cleaned}") from None

    def _write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # progress lines show up while a phase runs

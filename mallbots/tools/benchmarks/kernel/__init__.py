"""`benchmark kernel`: what the kernel costs on this database and broker, next to what the
same database and broker can do raw.

1. raw limit: one-row INSERT + COMMIT per second through plain psycopg (N threads, 1 thread);
2. event-sourced commands per second through the whole kernel path (@command, load through
   AggregateRepository, one event, append, projection, outbox), with p50/p99 latency;
3. aggregate load time for streams of several sizes, with and without snapshots;
4. outbox relay throughput against raw Celery publishing on the same broker;
5. reconciliation: deliveries sent again per second after the broker lost N of them, and the
   recovery time after such a loss while commands keep committing.

Everything it writes carries the run's id and is removed at the end, also after Ctrl-C:
benchmark streams, snapshots, read-model rows, its stream messages and their deliveries, its
subscriber, the scratch table and the scratch Redis queues. Its Celery messages go to scratch queues that no worker consumes.

- `wiring`: the benchmark's own context; `measure`: what is measured and the thread loop;
  `run`: the phases and the cleanup; `report`: the figures, ratios and targets."""

from .measure import Options
from .run import KernelBenchmark

__all__ = ["KernelBenchmark", "Options"]

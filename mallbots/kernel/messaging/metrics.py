"""Prometheus metrics of the messaging kernel and of the business, and the /metrics payload.

Counters and histograms live in the process that does the work (a web process publishing, a
Celery worker handling a delivery). With PROMETHEUS_MULTIPROC_DIR set (before the process
starts) prometheus_client writes them to files in that directory, and /metrics sums every
process's files: web workers and Celery prefork children on one host share one directory.
Gauges of the messaging state (progress.py) are read from the database when /metrics is
scraped, so they are right whichever process scrapes and need no process to keep them up to
date."""

from __future__ import annotations

import logging
import os
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

log = logging.getLogger(__name__)

# --- Messaging ------------------------------------------------------------------------------
messages_published = Counter(
    "mallbots_messages_published_total",
    "Integration events written to the outbox by committed transactions.",
    ["event"],
)
messages_relayed = Counter(
    "mallbots_messages_relayed_total",
    "Outbox messages the relay handed to the broker (all of their deliveries).",
    ["event"],
)
deliveries_sent = Counter(
    "mallbots_deliveries_sent_total",
    "Deliveries (one per message and subscribed handler) sent to the broker, retries included.",
    ["event", "handler"],
)
_OUTCOME_HELP = {
    "delivered": "Deliveries a worker started to process.",
    "handled": "Deliveries whose handler ran and committed.",
    "duplicate": "Deliveries skipped because the inbox had already seen the message.",
    "held": "Deliveries held back until an earlier message of their partition is handled.",
    "failed": "Deliveries whose handler failed (retried later or dead-lettered).",
    "dead_lettered": "Deliveries given up on: they became dead letters.",
}
deliveries = {
    outcome: Counter(f"mallbots_messages_{outcome}_total", text, ["event", "handler"])
    for outcome, text in _OUTCOME_HELP.items()
}
handler_duration = Histogram(
    "mallbots_handler_duration_seconds",
    "Time to process one delivery in its transaction (inbox, handler, commit), by handler.",
    ["handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# --- The create-order saga and the business -------------------------------------------------
saga_duration = Histogram(
    "mallbots_saga_duration_seconds",
    "From checkout (order created) to the order approved or rejected.",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
baskets_started = Counter("baskets_started_total", "Baskets started by customers.")
baskets_checked_out = Counter("baskets_checked_out_total", "Baskets checked out.")
customers_registered = Counter("customers_registered_total", "Customers registered.")
orders_completed = Counter("orders_completed_total", "Orders completed (invoice paid).")


def count_on_commit(counter: Counter, *labels: str) -> None:
    """Count work of the current transaction once it commits: a rolled-back command (a lost
    concurrency race that is retried) must not count."""
    transaction.on_commit(lambda: counter.labels(*labels).inc() if labels else counter.inc())


def observe_saga_on_commit(outcome: str, started_at: datetime) -> None:
    """Observe now - started_at (the order's creation) in the saga histogram after commit."""

    def observe() -> None:
        seconds = (timezone.now() - started_at).total_seconds()
        saga_duration.labels(outcome).observe(max(seconds, 0.0))

    transaction.on_commit(observe)


# --- Scraping --------------------------------------------------------------------------------
def _process_registry() -> CollectorRegistry:
    """This process's metrics or, in multiprocess mode, those of every process on the host."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def serve_process_metrics(port: int) -> None:
    """Serve the process metrics (not the database gauges: /metrics of web has them) over HTTP
    on `port`, from a daemon thread. For a Celery worker, whose prefork children do the work:
    it needs PROMETHEUS_MULTIPROC_DIR, or it would serve the idle main process's metrics."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        log.warning("worker metrics on port %s without PROMETHEUS_MULTIPROC_DIR miss the pool's work", port)
    start_http_server(port, registry=_process_registry())
    log.info("metrics served on port %s", port)


def exposition(*collectors: Collector) -> bytes:
    """The text exposition of every metric: this process's (or, in multiprocess mode, every
    process's on this host) plus what `collectors` read now (gauges of shared state)."""
    own = generate_latest(_process_registry())
    state = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        state.register(collector)
    return own + generate_latest(state)

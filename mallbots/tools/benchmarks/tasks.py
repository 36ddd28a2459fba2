"""The raw Celery baselines of `benchmark saga`: tasks that do as little as a task can, so
the benchmark measures Celery, the broker and one worker, and nothing of the kernel.

Both write only to Redis keys that the benchmark names (with its run id) and deletes."""

from __future__ import annotations

import time
from functools import cache

import redis
from celery import shared_task
from django.conf import settings

from mallbots.celery import app


@cache
def _redis() -> redis.Redis:
    """One client per worker process (created on first use, after the fork)."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def queues() -> list[str]:
    """Every queue of the settings, in the order the hops visit them."""
    return [settings.MESSAGING_KERNEL_QUEUE, *settings.MESSAGING_CONTEXT_QUEUES]


@shared_task(name="benchmark.noop", ignore_result=True)
def noop(counter_key: str) -> None:
    """Counts itself, so the benchmark knows when the worker has run them all."""
    _redis().incr(counter_key)


@shared_task(name="benchmark.hop", ignore_result=True)
def hop(n: int, started: float, result_key: str, offset: int = 0) -> None:
    """One hop of a chain, as a saga step is one hop of a saga: while `n` > 0 it sends the next
    hop to the next queue (round robin, as a saga crosses contexts); the last one records the
    chain's latency since `started` (time.time() when the first hop was sent)."""
    if n > 0:
        names = queues()
        queue = names[(offset + n - 1) % len(names)]
        app.send_task(
            "benchmark.hop",
            args=[n - 1, started, result_key, offset],
            queue=queue,
            routing_key=queue,
        )
    else:
        _redis().rpush(result_key, repr(time.time() - started))

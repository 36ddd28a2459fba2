"""`manage.py benchmark kernel` runs end to end on the real database and broker (tiny phases),
prints every figure and target, and leaves nothing behind."""

from __future__ import annotations

import io
import re

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from mallbots.kernel.eventstore.models import Event, Snapshot
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.tools.benchmarks.kernel.run import RAW_QUEUE, RELAY_QUEUE, STREAM_TYPE
from mallbots.tools.benchmarks.models import CounterView

FIGURES = [
    r"raw psycopg INSERT\+COMMIT, 4 threads\s+[\d,]+/s",
    r"raw psycopg INSERT\+COMMIT, 1 thread\s+[\d,]+/s",
    r"event-sourced command, 4 threads\s+[\d,]+/s",
    r"latency p50 / p99\s+[\d.,]+ ms / [\d.,]+ ms",
    r"\s10\s+none\s+[\d.,]+ ms\s+[\d.,]+ ms",
    r"\s100\s+v100\s+[\d.,]+ ms\s+[\d.,]+ ms",
    r"outbox relay \(relay_pending\), 200 messages\s+[\d,]+/s",
    r"raw Celery send_task, 200 messages\s+[\d,]+/s",
    r"commands / raw INSERT\+COMMIT \(4 threads\)\s+[\d.]+%",
    r"relay / raw publish\s+[\d.]+%",
    r"commands >= 50% of raw INSERT\+COMMIT\s+[\d,]+/s = [\d.]+%\s+(PASS|MISS)",
    r"load time flat with snapshots\s+100 vs 10 events: [\d.]+x\s+(PASS|MISS)",
    r"relay >= 80% of raw publish\s+[\d.]+%\s+(PASS|MISS)",
]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_benchmark_kernel_prints_figures_and_cleans_up() -> None:
    out = io.StringIO()
    call_command(
        "benchmark", "kernel", "--seconds", "0.3", "--sizes", "10,100", "--messages", "200", stdout=out
    )
    output = out.getvalue()

    for figure in FIGURES:
        assert re.search(figure, output), f"missing /{figure}/ in:\n{output}"

    assert not Event.objects.filter(stream_type=STREAM_TYPE).exists()
    assert not Snapshot.objects.filter(stream_type=STREAM_TYPE).exists()
    assert not StreamMessage.objects.filter(producer="benchmark").exists()
    assert not CounterView.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE %s", ["benchmark_scratch_%"])
        assert cursor.fetchone()[0] == 0
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    leftover = [key for key in client.scan_iter(match="*benchmark*")]
    assert leftover == [], leftover
    assert not client.exists(RELAY_QUEUE, RAW_QUEUE)

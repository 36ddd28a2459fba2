"""`manage.py benchmark saga` runs end to end on the real database and broker (tiny phases):
it starts its own worker, prints every figure, ratio and target, stops the worker and
removes its messages and Redis keys."""

from __future__ import annotations

import io
import os
import re

import pytest
import redis
from django.conf import settings
from django.core.management import call_command

from apps.customers.models import Customer
from apps.ordering.models import Order
from mallbots.kernel.messaging.models import (
    Delivery,
    FailedDelivery,
    PartitionCursor,
    PartitionSequence,
    StreamMessage,
)

MS = r"[\d.,]+ ms"
FIGURES = [
    rf"raw Celery 6-hop chain, 29 chains\s+p50 / p99\s+{MS} / {MS}",
    r"raw Celery no-op tasks, 2,000 tasks, 1 worker\s+[\d,]+/s",
    rf"saga checkout -> approved, 4 orders at 2/s\s+p50 / p99\s+{MS} / {MS}",
    r"saga throughput, 10 orders, 1 worker\s+[\d.,]+ orders/s",
    r"approved / rejected / unfinished\s+10 / 0 / 0",
    r"Celery tasks per order \(outbox deliveries\)\s+[\d.]+",
    r"raw Celery throughput allows\s+[\d.,]+ orders/s",
    r"saga p50 / raw 6-hop chain p50\s+[\d.]+x",
    r"saga orders/s / what raw Celery allows\s+[\d.]+%",
    rf"saga p50 <= 10x raw chain p50\s+{MS} = [\d.]+x\s+(PASS|MISS)",
    r"saga orders/s >= 50% of raw allows\s+[\d.,]+/s = [\d]+%\s+(PASS|MISS)",
]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_benchmark_saga_prints_figures_stops_its_worker_and_cleans_up() -> None:
    out = io.StringIO()
    call_command("benchmark", "saga", "--seconds", "2", "--rate", "2", "--orders", "10", stdout=out)
    output = out.getvalue()

    for figure in FIGURES:
        assert re.search(figure, output), f"missing /{figure}/ in:\n{output}"
    # The saga ran: one warm-up order, 4 at the steady rate and 10 at once, all approved.
    run_id = _group(r"saga benchmark, run (\w+)", output)
    customers = Customer.objects.filter(name__startswith=f"bench-{run_id} ").values_list("id", flat=True)
    orders = Order.objects.filter(customer_id__in=list(customers))
    assert orders.count() == 15
    assert set(orders.values_list("status", flat=True)) == {"approved"}

    # Its worker (and the worker's pool and beat processes) are gone.
    pid = int(_group(r"worker pid (\d+) ready", output))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)

    # Its messages and Redis keys are removed; the mall's data stays, named with the run id.
    order_ids = list(orders.values_list("id", flat=True))
    assert not StreamMessage.objects.filter(correlation_id__in=order_ids).exists()
    assert not Delivery.objects.filter(partition_key__in=order_ids).exists()
    assert not StreamMessage.objects.filter(correlation_id__startswith=f"bench-{run_id}").exists()
    assert not PartitionSequence.objects.filter(partition_key__in=order_ids).exists()
    assert not PartitionCursor.objects.filter(partition_key__in=order_ids).exists()
    assert not FailedDelivery.objects.exists()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert [key for key in client.scan_iter(match="*benchmark*")] == []
    assert [key for key in client.scan_iter(match=f"*{run_id}*")] == []
    assert f"kept: the contexts' data of this run, named bench-{run_id}" in output


def _group(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"missing /{pattern}/ in:\n{text}"
    return match.group(1)

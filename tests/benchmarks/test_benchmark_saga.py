"""`manage.py benchmark saga` runs end to end on the real database and broker (tiny phases):
it starts its own worker per saga mode, prints every figure, ratio and target side by side,
stops the workers and removes its messages and Redis keys."""

from __future__ import annotations

import io
import os
import re
from collections import Counter

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
from mallbots.kernel.sagas.models import SagaInstance

MS = r"[\d.,]+ ms"
PAIR = rf"{MS} / {MS}"
FIGURES = [
    r"Results\s+choreography\s+orchestration",
    r"raw Celery chain as long as the saga's path\s+6 hops\s+9 hops",
    rf"p50 / p99 \(29 chains each\)\s+{PAIR}\s+{PAIR}",
    r"raw Celery no-op tasks, 2,000 tasks, 1 worker\s+[\d,]+/s",
    rf"saga checkout -> approved, 4 orders at 2/s\n\s+p50 / p99\s+{PAIR}\s+{PAIR}",
    r"saga throughput, 10 orders from 4 threads\n\s+orders/s\s+[\d.,]+\s+[\d.,]+",
    r"approved / rejected / unfinished\s+10 / 0 / 0\s+10 / 0 / 0",
    r"Celery tasks per order \(outbox deliveries\)\s+[\d.]+\s+[\d.]+",
    r"raw Celery throughput allows \(orders/s\)\s+[\d.,]+\s+[\d.,]+",
    r"saga p50 / raw chain p50, as many hops\s+[\d.]+x\s+[\d.]+x",
    r"saga orders/s / what raw Celery allows\s+[\d.]+%\s+[\d.]+%",
    *(
        rf"{mode}\s+saga p50 <= 4x raw chain p50\s+{MS} = [\d.]+x\s+(PASS|MISS)\n"
        rf"\s+{mode}\s+saga orders/s >= 60% of raw allows\s+[\d.,]+/s = [\d]+%\s+(PASS|MISS)\n"
        rf"\s+{mode}\s+worker CPU per delivery <= 2.5 ms\s+{MS}\s+(PASS|MISS)\n"
        rf"\s+{mode}\s+every hop p50 <= 4 ms\s+slowest [\d.]+ ms\s+(PASS|MISS)"
        for mode in ("choreography", "orchestration")
    ),
    # Each mode's critical path, hop by hop, as the workers logged it.
    r"1 ordering.on_baskets_basket_checked_out .*\n\s+2 customers.on_ordering_order_created",
    r"1 ordering.on_baskets_basket_checked_out .*\n\s+2 customers.authorize_customer .*\n"
    r"\s+3,5,7,9 ordering.create_order_replies",
]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_benchmark_saga_measures_both_modes_stops_its_workers_and_cleans_up() -> None:
    out = io.StringIO()
    call_command("benchmark", "saga", "--seconds", "2", "--rate", "2", "--orders", "10", stdout=out)
    output = out.getvalue()

    for figure in FIGURES:
        assert re.search(figure, output), f"missing /{figure}/ in:\n{output}"
    # The saga ran in each mode: one warm-up order, 4 at the steady rate and 10 at once, all
    # approved, half of them orchestrated.
    run_id = _group(r"saga benchmark, run (\w+)", output)
    customers = Customer.objects.filter(name__startswith=f"bench-{run_id} ").values_list("id", flat=True)
    orders = Order.objects.filter(customer_id__in=list(customers))
    assert orders.count() == 30
    assert set(orders.values_list("status", flat=True)) == {"approved"}
    assert dict(Counter(orders.values_list("saga", flat=True))) == {"choreography": 15, "orchestration": 15}
    assert set(
        SagaInstance.objects.filter(saga_id__in=list(orders.values_list("id", flat=True))).values_list(
            "status", flat=True
        )
    ) == {"completed"}

    # Its workers (and their pool and beat processes) are gone.
    pids = [int(pid) for pid in re.findall(r"worker pid (\d+) ready", output)]
    assert len(pids) == 2
    for pid in pids:
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


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_benchmark_saga_measures_one_mode_when_asked_and_profiles_its_deliveries() -> None:
    out = io.StringIO()
    call_command(
        "benchmark",
        "saga",
        "--mode",
        "orchestration",
        "--profile",
        *["--seconds", "1", "--rate", "2", "--orders", "3"],
        stdout=out,
    )
    output = out.getvalue()
    assert re.search(r"Results\s+orchestration\n", output), output
    # and where its deliveries' time went, phase by phase
    assert "orchestration: where a delivery's time goes (--profile), ms per delivery" in output
    for phase in ("broker", "claim", "handler", "outbox", "commit", "relay", "total"):
        assert re.search(rf"^  {phase}\s+(\d+\.\d\d\s+){{5}}\d+\.\d\d$", output, re.MULTILINE), phase
    total = re.search(r"^  total\s+([\d.]+)", output, re.MULTILINE)
    assert total is not None and float(total.group(1)) > 0
    assert "choreography" not in output.split("Results", 1)[1]
    run_id = _group(r"saga benchmark, run (\w+)", output)
    customers = Customer.objects.filter(name__startswith=f"bench-{run_id} ").values_list("id", flat=True)
    assert set(Order.objects.filter(customer_id__in=list(customers)).values_list("saga", "status")) == {
        ("orchestration", "approved")
    }


def _group(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"missing /{pattern}/ in:\n{text}"
    return match.group(1)

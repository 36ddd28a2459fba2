"""`manage.py benchmark api` runs end to end (tiny phases): it seeds, starts gunicorn, drives
the bare view and the API's two reads with each load generator, prints the figures and the
ratios, stops gunicorn and removes its client."""

from __future__ import annotations

import io
import os
import re

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from mallbots.kernel.messaging.models import StreamMessage
from mallbots.tools.benchmarks.api.load import parse_wrk
from mallbots.tools.benchmarks.cleanup import task_of_run
from mallbots.tools.benchmarks.tasks import queues

RATE = r"[\d,]+/s"
MS = r"[\d.,]+ ms"

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/api/stores/x/products
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.10ms    1.20ms  30.00ms   90.00%
    Req/Sec   390.00     20.00   420.00     70.00%
  Latency Distribution
     50%  812.00us
     75%    5.50ms
     90%    6.20ms
     99%    1.20s
  7800 requests in 10.00s, 9.80MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    780.00
Transfer/sec:      0.98MB
"""


@pytest.mark.unit
def test_wrks_figures_are_read_with_their_units_and_every_error_counted():
    # given / when
    load = parse_wrk(WRK_OUTPUT)
    # then
    assert (load.requests, load.seconds, load.errors) == (7800, 10.0, 7)
    assert (load.p50, load.p99) == (pytest.approx(0.000812), pytest.approx(1.2))
    assert load.per_second == 780.0


@pytest.mark.unit
def test_output_wrk_did_not_finish_is_an_error_not_a_figure():
    with pytest.raises(RuntimeError, match="unexpected wrk output"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("client", ["python", "wrk"])
def test_benchmark_api_prints_figures_stops_gunicorn_and_removes_its_client(client):
    # given / when
    out = io.StringIO()
    call_command("benchmark", "api", "--seconds", "1", "--client", client, stdout=out)
    output = out.getvalue()
    # then every endpoint was driven without an error, and set against the bare view
    assert re.search(rf"Results \({client}\)\s+requests/s\s+p50\s+p99\s+errors", output), output
    for endpoint in (
        r"bare DRF view, one row",
        r"catalog: GET /api/stores/\{id\}/products",
        r"order: GET /api/ordering/\{id\}",
    ):
        assert re.search(rf"{endpoint}\s+{RATE}\s+{MS}\s+{MS}\s+0\n", output), output
    for read in ("catalog", "order"):
        assert re.search(rf"{read} / bare view requests/s >= 0.7x\s+[\d.]+x  (PASS|MISS)", output), output
    # and gunicorn (its workers too) is gone, and so is the benchmark's client
    pid = int(re.search(r"pid (\d+), every endpoint answers 200", output).group(1))
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    run_id = re.search(r"API benchmark, run (\w+)", output).group(1)
    assert not get_user_model().objects.filter(username__startswith=f"bench-{run_id}").exists()
    # and the messages its seed published (no worker ran them here), with their queued deliveries
    assert not StreamMessage.objects.filter(correlation_id__startswith=f"bench-{run_id}").exists()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    ours = {f"bench-{run_id}-seed"}
    assert [raw for q in queues() for raw in client.lrange(q, 0, -1) if task_of_run(raw, ours)] == []

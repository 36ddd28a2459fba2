"""Multiprocess mode: a Celery worker's prefork children write their metrics to
PROMETHEUS_MULTIPROC_DIR and the web process's /metrics reports them."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port, wait_until
from tests.kernelapp import services
from tests.kernelapp.models import HandledEffect

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CREDITED = "kerneltestapi.LedgerCredited"
COUNT = "kerneltest.on_ledger_credited_count"


def test_web_metrics_report_what_the_worker_processes_handled(client, start_worker, tmp_path, monkeypatch):
    # given a fresh multiprocess directory shared by the worker and this (web) process
    directory = tmp_path / "prometheus"
    directory.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    start_worker(extra_env={"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="L")
    # when a command's message is relayed and handled by the worker
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    wait_until(lambda: HandledEffect.objects.filter(handler="count", key=ledger_id).exists())

    # then /metrics sums the worker's files
    def samples():
        text = client.get("/metrics").content.decode()
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    labels = (("event", CREDITED), ("handler", COUNT))
    duration = ("mallbots_handler_duration_seconds_count", (("handler", COUNT),))
    # the duration is observed last, once the delivery is over: wait for it too
    after = wait_until(lambda: (m := samples()).get(duration) and m)
    assert after[("mallbots_messages_delivered_total", labels)] == 1.0
    assert after[("mallbots_messages_handled_total", labels)] == 1.0
    assert after[duration] == 1.0
    assert any(path.name.startswith("counter_") for path in directory.iterdir())


def test_a_worker_serves_its_metrics_on_its_own_port(start_worker, tmp_path):
    # given a worker with its own multiprocess directory and metrics port
    directory = tmp_path / "prometheus"
    directory.mkdir()
    port = free_port()
    start_worker(extra_env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "CELERY_METRICS_PORT": str(port)})
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="L")
    # when
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    wait_until(lambda: HandledEffect.objects.filter(handler="count", key=ledger_id).exists())

    # then
    def handled() -> float:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        return samples.get(
            ("mallbots_messages_handled_total", (("event", CREDITED), ("handler", COUNT))), 0.0
        )

    assert wait_until(handled) == 1.0

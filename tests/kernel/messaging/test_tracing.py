"""One trace from a command through the outbox to every handler it triggers: the publishing
span's context travels in the envelope, each delivery's span is its child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mallbots.kernel.messaging import consumer, tracing
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.tools.worker import database_url
from tests.conftest import ROOT
from tests.kernel.messaging.helpers import deliveries_of, fanned_out
from tests.kernelapp import services

pytestmark = pytest.mark.integration

CREDITED = "kerneltestapi.LedgerCredited"
NOTED = "kerneltestapi.LedgerNoted"
FORWARD = "kerneltest.on_ledger_credited_forward"
NOTED_HANDLER = "kerneltest.on_ledger_noted"


@pytest.fixture
def spans(monkeypatch, settings):
    """A tracer of its own for the kernel (the global provider stays untouched for other tests)."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "tracer", provider.get_tracer("test"))
    return provider.get_tracer("test"), exporter


def delivery(name: str, handler: str, key: str):
    row = StreamMessage.objects.get(name=name, partition_key=key)
    return next(d for d in deliveries_of(row) if d[0] == handler)


@pytest.mark.django_db
def test_a_request_its_message_and_the_handlers_down_the_line_share_one_trace(spans):
    tracer, exporter = spans
    # given a ledger
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="L")
    # when a request publishes a credit whose handler publishes a note, handled in turn
    with tracer.start_as_current_span("POST /api/ledgers/credit") as request:
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"), note="forward")
    with tracer.start_as_current_span("run/messaging.deliver") as task:  # the Celery task, elsewhere
        assert consumer.process(*delivery(CREDITED, FORWARD, ledger_id)) == Outcome.HANDLED
    assert consumer.process(*delivery(NOTED, NOTED_HANDLER, ledger_id)) == Outcome.HANDLED
    # then
    by_name = {span.name: span for span in exporter.get_finished_spans()}
    assert sorted(by_name) == [
        "POST /api/ledgers/credit",
        f"handle {CREDITED}",
        f"handle {NOTED}",
        f"publish {CREDITED}",
        f"publish {NOTED}",
        "run/messaging.deliver",
    ]
    trace_id = request.get_span_context().trace_id
    assert {name: span.context.trace_id == trace_id for name, span in by_name.items()} == {
        "POST /api/ledgers/credit": True,
        f"handle {CREDITED}": True,
        f"handle {NOTED}": True,
        f"publish {CREDITED}": True,
        f"publish {NOTED}": True,
        "run/messaging.deliver": False,
    }
    parent = {name: span.parent.span_id if span.parent else None for name, span in by_name.items()}
    assert parent[f"publish {CREDITED}"] == request.get_span_context().span_id
    assert parent[f"handle {CREDITED}"] == by_name[f"publish {CREDITED}"].context.span_id
    assert parent[f"publish {NOTED}"] == by_name[f"handle {CREDITED}"].context.span_id
    assert parent[f"handle {NOTED}"] == by_name[f"publish {NOTED}"].context.span_id
    handled = by_name[f"handle {CREDITED}"]
    assert [link.context.span_id for link in handled.links] == [task.get_span_context().span_id]
    assert handled.kind == trace.SpanKind.CONSUMER
    assert dict(handled.attributes) == {
        "messaging.system": "mallbots",
        "messaging.destination.name": CREDITED,
        "messaging.message.id": delivery(CREDITED, FORWARD, ledger_id)[1]["id"],
        "mallbots.handler": FORWARD,
        "mallbots.outcome": "handled",
    }


@pytest.mark.django_db
def test_without_a_span_in_progress_the_envelope_carries_no_trace_context(settings):
    # given tracing switched off (no span anywhere)
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="L")
    # when
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    # then
    assert StreamMessage.objects.get(name=CREDITED, partition_key=ledger_id).metadata == {}


@pytest.mark.django_db(transaction=True)
def test_with_tracing_switched_on_a_request_and_its_deliveries_make_one_trace():
    # given a process with MALLBOTS_TRACING=1 on the test database
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mallbots.settings.test",
        "DATABASE_URL": database_url(),
        "MALLBOTS_TRACING": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",  # nobody there: the probe reads memory
        "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
        "MESSAGING_RELAY_ON_COMMIT": "off",
        "PYTHONPATH": str(ROOT),
    }
    # when it registers a customer over HTTP and handles each delivery of the message
    done = subprocess.run(
        [sys.executable, "-m", "tests.kernel.messaging.tracing_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    spans = json.loads(done.stdout.strip().splitlines()[-1])
    # then the request, its queries, the publish and every handler share one trace
    (request,) = [s for s in spans if s["kind"] == "SERVER"]
    assert request["name"] == "POST api/customers"
    others = [(s["kind"], s["name"], s["parent"]) for s in spans if s["trace"] != request["trace"]]
    # only the probe's own database work (its look-up of the message, the relay it runs) is apart
    assert others and all(kind == "CLIENT" and parent is None for kind, _, parent in others)
    (publish,) = [s for s in spans if s["name"] == "publish customersapi.CustomerRegistered"]
    handled = sorted(s["handler"] for s in spans if s["name"] == "handle customersapi.CustomerRegistered")
    assert handled == sorted(d["handler"] for d in fanned_out(StreamMessage.objects.get()))
    assert len(handled) == 3
    assert {s["parent"] for s in spans if s["handler"]} == {publish["id"]}
    assert any(s["kind"] == "CLIENT" and s["parent"] == request["id"] for s in spans)

"""Run by test_tracing in a process of its own, with MALLBOTS_TRACING=1: the real configuration
(instrumented Django, query spans) plus an in-memory exporter. Registers a customer over HTTP,
handles every delivery of its message like a worker, prints the finished spans as JSON."""

import json

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from mallbots.kernel.messaging import consumer  # noqa: E402
from mallbots.kernel.messaging.models import StreamMessage  # noqa: E402
from tests.kernel.messaging.helpers import deliveries_of  # noqa: E402

exporter = InMemorySpanExporter()
trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[attr-defined]
token = Token.objects.create(user=User.objects.create_superuser("tracing-probe")).key
exporter.clear()
response = Client(HTTP_HOST="localhost").post(
    "/api/customers",
    {"name": "Ada", "smsNumber": "555-010-0001"},
    content_type="application/json",
    HTTP_AUTHORIZATION=f"Token {token}",
)
assert response.status_code == 200, response.content
row = StreamMessage.objects.get(name="customersapi.CustomerRegistered")
for handler, envelope, seq in deliveries_of(row):
    consumer.process(handler, envelope, seq)
print(
    json.dumps(
        [
            {
                "name": span.name,
                "kind": span.kind.name,
                "trace": span.context.trace_id,
                "id": span.context.span_id,
                "parent": span.parent.span_id if span.parent else None,
                "handler": (span.attributes or {}).get("mallbots.handler"),
            }
            for span in exporter.get_finished_spans()
        ]
    )
)

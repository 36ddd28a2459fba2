"""OpenTelemetry tracing, switched on by the environment: OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, or MALLBOTS_TRACING=1 (OTLP over HTTP to the
exporter's default, http://localhost:4318). Django requests and Celery tasks get spans from
their instrumentations, database queries from a Django execute wrapper. One trace follows a command through the outbox: the
publishing span's W3C trace context travels in the message envelope's metadata, and every
delivery's span is its child, whichever relay sent it and whichever worker runs it (the Celery
task that carried it is a link). Switched off, the spans below are no-ops."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.db.backends.signals import connection_created
from opentelemetry import propagate, trace

log = logging.getLogger(__name__)

tracer = trace.get_tracer("mallbots.kernel.messaging")


def enabled() -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("MALLBOTS_TRACING") == "1"
    )


def configure() -> bool:
    """Install the tracer provider and the instrumentations when the environment asks for
    them. Runs in AppConfig.ready(), before Django loads its middleware."""
    if not enabled():
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over this default.
    provider = TracerProvider(resource=Resource.create({"service.name": "mallbots"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()
    CeleryInstrumentor().instrument()
    # opentelemetry-instrumentation-psycopg replaces the cursor factory that django-prometheus
    # sets for its database metrics (one of the two loses): Django's own hook sees every query.
    connection_created.connect(_trace_queries, dispatch_uid="mallbots.tracing.queries")
    log.info("tracing on: OTLP exporter, Django requests, Celery tasks and database queries")
    return True


def _trace_queries(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _query_span not in connection.execute_wrappers:
        connection.execute_wrappers.append(_query_span)


def _query_span(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    statement = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"
    with tracer.start_as_current_span(
        statement,
        kind=trace.SpanKind.CLIENT,
        attributes={"db.system.name": "postgresql", "db.query.text": sql},
    ):
        return execute(sql, params, many, context)


@contextlib.contextmanager
def publishing(event_name: str, message_id: str) -> Iterator[dict[str, str]]:
    """A producer span for one published message; yields the trace context to store with it."""
    with tracer.start_as_current_span(
        f"publish {event_name}",
        kind=trace.SpanKind.PRODUCER,
        attributes={
            "messaging.system": "mallbots",
            "messaging.destination.name": event_name,
            "messaging.message.id": message_id,
        },
    ):
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        yield carrier


@contextlib.contextmanager
def handling(
    handler: str, event_name: str, message_id: str, metadata: dict[str, Any]
) -> Iterator[trace.Span]:
    """A consumer span for one delivery, child of the span that published the message and
    linked to the span in progress here (the Celery task that carried it)."""
    carrier = {key: value for key, value in metadata.items() if isinstance(value, str)}
    current = trace.get_current_span().get_span_context()
    links = [trace.Link(current)] if current.is_valid else []
    with tracer.start_as_current_span(
        f"handle {event_name}",
        context=propagate.extract(carrier),
        kind=trace.SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.system": "mallbots",
            "messaging.destination.name": event_name,
            "messaging.message.id": message_id,
            "mallbots.handler": handler,
        },
    ) as span:
        yield span

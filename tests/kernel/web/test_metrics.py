"""/metrics: the exact lines that move when a command publishes, the relay sends, a worker
handles a delivery or gives up on it, and when the business and the saga make progress."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.metrics import observe_saga_on_commit
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.kernel.messaging.registry import subscribers
from mallbots.kernel.messaging.relay import relay_pending
from tests.kernel.messaging.helpers import deliveries_of
from tests.kernelapp import services

pytestmark = pytest.mark.integration

CREDITED = "kerneltestapi.LedgerCredited"
NOTED = "kerneltestapi.LedgerNoted"
COUNT = "kerneltest.on_ledger_credited_count"


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delivery_of(message_id: str, handler: str):
    row = StreamMessage.objects.get(message_id=message_id)
    return next(d for d in deliveries_of(row) if d[0] == handler)


@pytest.mark.django_db
def test_a_command_and_a_handled_delivery_move_the_messaging_counters(
    client, django_capture_on_commit_callbacks
):
    # given a ledger and the metrics before
    ledger_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        services.ledger_open(ledger_id=ledger_id, name="L")
    before = scrape(client)
    # when a command publishes a credit and a worker handles one of its deliveries
    with django_capture_on_commit_callbacks(execute=True):
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    row = StreamMessage.objects.get(name=CREDITED, partition_key=ledger_id)
    handler, envelope, seq = next(d for d in deliveries_of(row) if d[0] == COUNT)
    assert consumer.process(handler, envelope, seq) == Outcome.HANDLED
    assert consumer.process(handler, envelope, seq) == Outcome.DUPLICATE
    after = scrape(client)
    # then
    moved = {
        ("mallbots_messages_published_total", (("event", CREDITED),)): 1.0,
        ("mallbots_messages_delivered_total", (("event", CREDITED), ("handler", COUNT))): 2.0,
        ("mallbots_messages_handled_total", (("event", CREDITED), ("handler", COUNT))): 1.0,
        ("mallbots_messages_duplicate_total", (("event", CREDITED), ("handler", COUNT))): 1.0,
        ("mallbots_messages_failed_total", (("event", CREDITED), ("handler", COUNT))): 0.0,
        ("mallbots_handler_duration_seconds_count", (("handler", COUNT),)): 2.0,
    }
    assert {key: after.get(key, 0.0) - before.get(key, 0.0) for key in moved} == moved


@pytest.mark.django_db
def test_the_outbox_gauges_are_read_from_the_database_at_scrape_time(client):
    # given a message waiting in the outbox (its commit's relay has not run)
    services.ledger_note(ledger_id=str(uuid.uuid4()), note="waiting")
    # when
    after = scrape(client)
    # then
    unsent = StreamMessage.objects.filter(stream_position__isnull=True).count()
    assert value(after, "mallbots_outbox_unsent_messages") == unsent == 1
    assert value(after, "mallbots_outbox_lag_seconds") > 0.0
    assert value(after, "mallbots_subscriber_lag", subscriber="kerneltest.on_ledger_noted") == 0.0


@pytest.mark.django_db
def test_a_terminal_failure_counts_as_failed_and_dead_lettered(client, broker):
    # given a note whose handler fails for good
    message_id = services.ledger_note(
        ledger_id=str(uuid.uuid4()), note=f"bad-{uuid.uuid4()}", fail_times=1, terminal=True
    )
    handler, envelope, seq = delivery_of(message_id, "kerneltest.on_ledger_noted")
    before = scrape(client)
    # when
    assert consumer.process(handler, envelope, seq) == Outcome.DEAD
    after = scrape(client)
    # then
    labels = {"event": NOTED, "handler": handler}
    assert (
        value(after, "mallbots_messages_failed_total", **labels)
        - value(before, "mallbots_messages_failed_total", **labels)
        == 1.0
    )
    assert (
        value(after, "mallbots_messages_dead_lettered_total", **labels)
        - value(before, "mallbots_messages_dead_lettered_total", **labels)
        == 1.0
    )
    assert value(after, "mallbots_messages_handled_total", **labels) == value(
        before, "mallbots_messages_handled_total", **labels
    )
    assert value(after, "mallbots_dead_letters") == 1.0
    assert value(after, "mallbots_failed_deliveries", status="dead") == 1.0
    assert value(after, "mallbots_failed_deliveries", status="retrying") == 0.0


@pytest.mark.django_db
def test_the_relay_counts_the_messages_and_deliveries_it_sent(client, broker):
    # given one unsent note (one subscriber per handler of LedgerNoted)
    services.ledger_note(ledger_id=str(uuid.uuid4()), note="n")
    handlers = sorted(s.name for s in subscribers(NOTED))
    before = scrape(client)
    # when
    assert relay_pending() == 1
    after = scrape(client)
    # then
    assert (
        value(after, "mallbots_messages_relayed_total", event=NOTED)
        - value(before, "mallbots_messages_relayed_total", event=NOTED)
        == 1.0
    )
    assert {
        h: value(after, "mallbots_deliveries_sent_total", event=NOTED, handler=h)
        - value(before, "mallbots_deliveries_sent_total", event=NOTED, handler=h)
        for h in handlers
    } == {h: 1.0 for h in handlers}
    assert value(after, "mallbots_outbox_unsent_messages") == 0.0
    assert value(after, "mallbots_queue_backlog", queue="kerneltest") == float(len(handlers))
    assert {h: value(after, "mallbots_subscriber_lag", subscriber=h) for h in handlers} == {
        h: 1.0 for h in handlers
    }


@pytest.mark.django_db
def test_business_counters_and_the_saga_histogram_move_on_commit_only(
    client, django_capture_on_commit_callbacks
):
    from apps.customers.services import customer_register

    # given
    before = scrape(client)
    # when one customer registers after commit, another in a transaction that rolls back
    with django_capture_on_commit_callbacks(execute=True):
        customer_register(name="Ada", sms_number="555-010-0001")
        observe_saga_on_commit("approved", timezone.now() - timedelta(seconds=0.3))
    with django_capture_on_commit_callbacks(execute=False):
        customer_register(name="Bob", sms_number="555-010-0002")
    after = scrape(client)
    # then
    assert value(after, "customers_registered_total") - value(before, "customers_registered_total") == 1.0
    bucket = {"outcome": "approved", "le": "0.5"}
    assert (
        value(after, "mallbots_saga_duration_seconds_bucket", **bucket)
        - value(before, "mallbots_saga_duration_seconds_bucket", **bucket)
        == 1.0
    )
    below = {"outcome": "approved", "le": "0.25"}
    assert value(after, "mallbots_saga_duration_seconds_bucket", **below) == value(
        before, "mallbots_saga_duration_seconds_bucket", **below
    )


@pytest.mark.django_db
def test_http_and_database_metrics_of_django_prometheus(client):
    # given
    before = scrape(client)
    # when one more request
    client.get("/health/live")
    after = scrape(client)
    # then the scrape before and the health check are counted, by view
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    for view in ("prometheus-metrics", "health-live"):
        assert (
            value(after, latency, method="GET", view=view) - value(before, latency, method="GET", view=view)
            == 1.0
        )
    queries = "django_db_execute_total"
    assert value(after, queries, alias="default", vendor="postgresql") > value(
        before, queries, alias="default", vendor="postgresql"
    )

"""The log is the truth: whatever the broker loses, PostgreSQL knows what each subscriber has
not handled yet, and the reconciliation sweep sends it again. Real workers, and a Redis of the
test's own that it flushes, restarts and kills workers against."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import kombu
import pytest
import redis
from django.db import transaction
from django.utils import timezone

from mallbots.kernel.messaging import reconcile, relay
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import in_flight, wait_until
from tests.kernel.messaging.helpers import append, deliveries_of, send_again
from tests.kernelapp import contracts, services
from tests.kernelapp.models import HandledEffect

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.django_db(transaction=True)]

NOTED = "kerneltest.on_ledger_noted"
NOTED_IN_ORDER = "kerneltest.on_ledger_noted_in_order"


def effects(handler: str) -> list[tuple[str, str]]:
    return list(HandledEffect.objects.filter(handler=handler).order_by("created").values_list("key", "value"))


def notes(count: int, prefix: str, ledgers: int = 4) -> list[tuple[str, str]]:
    """Publish `count` notes over a few ledgers; (ledger, note) in publication order."""
    published = []
    for i in range(count):
        ledger, note = f"{prefix}-ledger-{i % ledgers}", f"{prefix}-{i}"
        services.ledger_note(ledger_id=ledger, note=note)
        published.append((ledger, note))
    return published


def in_order_per_ledger(published: list[tuple[str, str]]) -> dict[str, list[str]]:
    by_ledger: dict[str, list[str]] = {}
    for ledger, note in published:
        by_ledger.setdefault(ledger, []).append(note)
    return by_ledger


def assert_each_handled_once_in_order(published: list[tuple[str, str]]) -> None:
    """Both handlers of LedgerNoted took every note exactly once; the ordered one in order."""
    assert sorted(effects("noted")) == sorted(published)
    handled_in_order: dict[str, list[str]] = {}
    for ledger, note in effects("noted_in_order"):
        handled_in_order.setdefault(ledger, []).append(note)
    assert handled_in_order == in_order_per_ledger(published)
    assert not Delivery.objects.filter(status__in=Delivery.OPEN).exists()
    assert not FailedDelivery.objects.exists()


@pytest.fixture
def own_broker(own_redis, use_broker):
    use_broker(own_redis.url)
    return own_redis


def test_a_broker_flush_with_messages_queued_loses_none(own_broker, start_worker):
    # given 40 notes queued on the broker while no worker runs
    published = notes(40, "flush")
    client = redis.Redis.from_url(own_broker.url)
    assert client.llen("kerneltest") == 80
    # when the broker loses everything, then a worker starts
    client.flushdb()
    flushed_at = time.monotonic()
    start_worker(queues="kerneltest,messaging", extra_env={"TEST_REDIS_URL": own_broker.url})
    # then the sweep sends every lost delivery again and each is handled once, in order
    wait_until(lambda: len(effects("noted")) == 40 and len(effects("noted_in_order")) == 40, timeout=60)
    recovered = time.monotonic() - flushed_at
    wait_until(lambda: in_flight(client, "kerneltest") == 0, timeout=30)
    assert_each_handled_once_in_order(published)
    print(f"40 notes recovered {recovered:.1f} s after the flush")


def test_a_flush_while_a_worker_is_busy_loses_none_and_nothing_stays_held(own_broker, start_worker):
    # given a worker handling a burst
    client = redis.Redis.from_url(own_broker.url)
    start_worker(queues="kerneltest,messaging", concurrency=1, extra_env={"TEST_REDIS_URL": own_broker.url})
    published = notes(60, "busy", ledgers=3)
    # when the broker is flushed in the middle of it
    wait_until(lambda: len(effects("noted")) >= 5, timeout=30)
    client.flushdb()
    lost = client.llen("kerneltest") == 0 and len(effects("noted")) < 60
    # then every note is handled once, the ordered handler's partitions in order
    wait_until(lambda: len(effects("noted")) == 60 and len(effects("noted_in_order")) == 60, timeout=90)
    wait_until(lambda: in_flight(client, "kerneltest") == 0, timeout=30)
    assert lost  # the flush really took deliveries away
    assert_each_handled_once_in_order(published)


def test_a_broker_restart_without_persistence_loses_none(own_broker, start_worker):
    # given a worker, and messages queued while it cannot take them (the broker is down)
    start_worker(queues="kerneltest,messaging", extra_env={"TEST_REDIS_URL": own_broker.url})
    first = notes(10, "before")
    wait_until(lambda: len(effects("noted")) == 10, timeout=30)
    own_broker.stop()
    during = notes(10, "during")  # committed; their deliveries wait in PostgreSQL
    # when the broker comes back empty
    own_broker.start()
    # then the worker reconnects and everything published meanwhile is handled once
    wait_until(lambda: len(effects("noted")) == 20 and len(effects("noted_in_order")) == 20, timeout=90)
    wait_until(lambda: in_flight(redis.Redis.from_url(own_broker.url), "kerneltest") == 0, timeout=30)
    assert_each_handled_once_in_order(first + during)


def test_a_whole_worker_killed_during_a_burst_loses_none(own_broker, start_worker):
    # given a worker in the middle of a burst of slow notes
    client = redis.Redis.from_url(own_broker.url)
    victim = start_worker(
        queues="kerneltest", concurrency=2, beat=False, extra_env={"TEST_REDIS_URL": own_broker.url}
    )
    published = []
    for i in range(30):
        ledger, note = f"kill-ledger-{i % 3}", f"kill-{i}"
        services.ledger_note(ledger_id=ledger, note=note, sleep_seconds=0.05)
        published.append((ledger, note))
    wait_until(lambda: len(effects("noted")) >= 4, timeout=30)
    # when the whole worker is killed, and another one starts
    victim.kill()
    assert len(effects("noted")) < 30
    started = time.monotonic()
    start_worker(queues="kerneltest,messaging", extra_env={"TEST_REDIS_URL": own_broker.url})
    # then what the dead worker held is sent again by the sweep and handled once
    wait_until(lambda: len(effects("noted")) == 30 and len(effects("noted_in_order")) == 30, timeout=90)
    recovered = time.monotonic() - started
    wait_until(lambda: in_flight(client, "kerneltest") == 0, timeout=30)
    assert_each_handled_once_in_order(published)
    print(f"recovered {recovered:.1f} s after the new worker started")


def test_a_held_message_has_its_lost_predecessor_sent_again(own_broker, start_worker, settings):
    # given two notes of one ledger, appended to the stream but lost by the broker
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    ledger = f"held-{uuid.uuid4()}"
    with transaction.atomic():
        publish(contracts.LedgerNoted(ledger_id=ledger, note="first"))
    with transaction.atomic():
        publish(contracts.LedgerNoted(ledger_id=ledger, note="second"))
    rows = [append(row) for row in StreamMessage.objects.filter(partition_key=ledger).order_by("position")]
    # when only the second reaches the ordered handler
    second = [d for d in deliveries_of(rows[1]) if d[0] == NOTED_IN_ORDER]
    send_again(second, {NOTED_IN_ORDER: "kerneltest"})
    start_worker(queues="kerneltest,messaging", extra_env={"TEST_REDIS_URL": own_broker.url})
    # then it is held, its predecessor is sent again, and both are handled in order
    wait_until(lambda: [n for _, n in effects("noted_in_order")] == ["first", "second"], timeout=60)
    wait_until(lambda: sorted(n for _, n in effects("noted")) == ["first", "second"], timeout=60)
    assert not Delivery.objects.filter(status__in=Delivery.OPEN).exists()


def test_the_sweep_does_not_send_again_what_is_still_waiting_in_its_queue(own_broker, settings):
    # given deliveries sent long enough ago, still waiting in their queue (no worker runs)
    notes(5, "backlog")
    Delivery.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    client = redis.Redis.from_url(own_broker.url)
    assert client.llen("kerneltest") == 10
    # when the sweep runs
    sent = reconcile.sweep_all()
    # then nothing is sent twice: the queue still holds them
    assert (sent, client.llen("kerneltest")) == (0, 10)
    # and once the queue lost them, they are sent again
    client.flushdb()
    Delivery.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    assert reconcile.sweep_all() == 10
    assert client.llen("kerneltest") == 10


def test_deliveries_the_broker_refused_are_sent_when_it_is_back(own_broker, start_worker, monkeypatch):
    # given the broker down while commands commit
    monkeypatch.setattr(relay, "_inline_paused_until", 0.0)
    own_broker.stop()
    published = notes(5, "refused")
    assert StreamMessage.objects.filter(stream_position__isnull=True).count() == 4  # the relay paused
    # when it is back, with a worker and beat
    own_broker.start()
    start_worker(queues="kerneltest,messaging", extra_env={"TEST_REDIS_URL": own_broker.url})
    # then every note is handled once
    wait_until(lambda: len(effects("noted")) == 5 and len(effects("noted_in_order")) == 5, timeout=60)
    assert_each_handled_once_in_order(published)


def test_deliveries_reach_the_queue_in_the_order_the_relay_sent_them(own_broker):
    # given no worker: what the relay hands the broker stays in the queue
    client = redis.Redis.from_url(own_broker.url)
    # when three notes commit, each fanning out to its two handlers
    notes(3, "batch", ledgers=1)
    # then the queue holds the six deliveries in the order the relay sent them (LPUSH: the
    # oldest at the right end)
    ids = [json.loads(item)["headers"]["id"] for item in reversed(client.lrange("kerneltest", 0, -1))]
    assert ids == [f"{d.message_id}:{d.handler}:0" for d in Delivery.objects.order_by("position", "id")]
    assert len(ids) == 6


def test_a_batch_the_broker_failed_is_sent_again_whole(own_broker, monkeypatch):
    # given a broker that fails the pipeline carrying a message's two deliveries
    monkeypatch.setattr(relay, "_inline_paused_until", 0.0)
    client = redis.Redis.from_url(own_broker.url)

    def fail(self, *args, **kwargs):
        raise redis.ConnectionError("connection reset while the pipeline was sent")

    monkeypatch.setattr(redis.client.Pipeline, "execute", fail)
    notes(1, "failed-batch")
    # then neither delivery counts as sent: a pipeline does not say how far it got
    assert client.llen("kerneltest") == 0
    assert list(Delivery.objects.values_list("sent_at", flat=True)) == [None, None]
    # when the broker works again, the sweep sends both
    monkeypatch.undo()
    assert reconcile.sweep_all() == 2
    assert client.llen("kerneltest") == 2


def test_a_channel_closed_after_its_connection_is_gone_does_not_kill_the_worker(own_broker):
    """kombu 5.7 gives back a worker's unacknowledged messages when it closes a channel; after
    a lost connection that raised an AttributeError, and the worker died instead of
    reconnecting. The Celery app makes it the connection error kombu ignores."""
    # given a channel holding an unacknowledged message, whose connection is then lost
    connection = kombu.Connection(own_broker.url)
    channel = connection.default_channel
    channel.qos._delivered["unacked-tag"] = True
    channel.connection.client = None
    # when the worker closes it, as it does before reconnecting
    connection.maybe_close_channel(channel)
    # then nothing escapes: the connection error is ignored like any other of a lost broker
    assert channel.closed


def test_a_channel_keeps_its_client_until_its_connection_pool_changes(own_broker):
    """kombu builds a Redis client per message put and per acknowledgement; the Celery app
    makes a channel keep one, and build another only for a new connection pool."""
    # given a channel that has put a message
    connection = kombu.Connection(own_broker.url)
    channel = connection.default_channel
    producer = kombu.Producer(channel, routing_key="kerneltest-reuse")
    producer.publish({"n": 1}, routing_key="kerneltest-reuse")
    first = channel._create_client()
    # when it puts more, then loses its pools as after a broken connection
    producer.publish({"n": 2}, routing_key="kerneltest-reuse")
    again = channel._create_client()
    channel._disconnect_pools()
    after = channel._create_client()
    # then it used one client while its pool lasted, and a client of the new pool after
    assert again is first
    assert after is not first and after.connection_pool is channel.pool
    assert redis.Redis.from_url(own_broker.url).llen("kerneltest-reuse") == 2
    connection.release()

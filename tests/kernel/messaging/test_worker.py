"""The messaging kernel against a real Redis broker and real Celery worker processes."""

from __future__ import annotations

import random
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connections, transaction

from mallbots.kernel.messaging import failures
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.models import FailedDelivery, StreamMessage
from tests.conftest import in_flight, wait_until
from tests.kernel.messaging.helpers import deliveries_of, handled, send_again
from tests.kernelapp import contracts, services
from tests.kernelapp.models import HandledEffect

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

IN_ORDER = "kerneltest.on_ledger_credited_in_order"
COUNT = "kerneltest.on_ledger_credited_count"


def effects(handler: str, key: str | None = None) -> list[str]:
    qs = HandledEffect.objects.filter(handler=handler)
    if key is not None:
        qs = qs.filter(key=key)
    return list(qs.order_by("created").values_list("value", flat=True))


def test_a_command_reaches_every_subscriber_through_the_worker(start_worker):
    # given
    start_worker()
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="Live")
    # when
    for _ in range(3):
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    # then
    wait_until(lambda: len(effects("in_order", ledger_id)) == 3 and len(effects("count", ledger_id)) == 3)
    assert effects("in_order", ledger_id) == ["1", "2", "3"]
    # the third subscriber (forward) is a delivery of its own: wait for it too
    wait_until(lambda: handled(partition_key=ledger_id) == 9)
    assert StreamMessage.objects.filter(stream_position__isnull=True).count() == 0


@pytest.mark.fault
def test_duplicated_and_reordered_deliveries_take_effect_once_in_order(start_worker, settings, broker):
    # given messages written with the relay off, then delivered by hand: every delivery twice,
    # in an order that has later credits arrive before earlier ones
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for ledger_id in ids:
        services.ledger_open(ledger_id=ledger_id, name="Shuffle")
    for _ in range(8):
        for ledger_id in ids:
            services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    deliveries = [
        d
        for row in StreamMessage.objects.order_by("-position")
        for d in deliveries_of(row)
        if d[0] in (IN_ORDER, COUNT)
    ]
    deliveries = deliveries * 2
    random.Random(3).shuffle(deliveries)
    send_again(deliveries, {IN_ORDER: "kerneltest", COUNT: "kerneltest"})
    # when
    start_worker()
    # then every delivery, duplicates too, is taken and done with
    wait_until(lambda: HandledEffect.objects.count() == 48, timeout=60)
    wait_until(lambda: in_flight(broker, "kerneltest") == 0, timeout=60)
    for ledger_id in ids:
        assert effects("in_order", ledger_id) == [str(n) for n in range(1, 9)]
        assert sorted(effects("count", ledger_id), key=int) == [str(n) for n in range(1, 9)]
    assert HandledEffect.objects.count() == 48
    wait_until(lambda: FailedDelivery.objects.count() == 0)


def test_a_transaction_that_commits_two_seconds_late_is_still_delivered(start_worker):
    # given a worker, and a writer that holds its transaction open for 2 s
    start_worker()
    inside = threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                publish(contracts.LedgerNoted(ledger_id="late", note="slow"))
                inside.set()
                time.sleep(2)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    inside.wait(5)
    # when later messages commit and are relayed first
    for i in range(5):
        services.ledger_note(ledger_id="quick", note=f"quick-{i}")
    wait_until(lambda: len(effects("noted", "quick")) == 5)
    assert effects("noted", "late") == []
    writer.join(10)
    # then the late one arrives too, to both its handlers (two deliveries: wait for each)
    wait_until(lambda: effects("noted", "late") == ["slow"], timeout=15)
    wait_until(lambda: effects("noted_in_order", "late") == ["slow"], timeout=15)


@pytest.mark.fault
def test_a_worker_killed_mid_handler_is_recovered_and_handles_once(start_worker, broker):
    # given a worker in the middle of a slow handler
    victim = start_worker(queues="kerneltest", concurrency=1, beat=False)
    note = f"slow-{uuid.uuid4()}"
    services.ledger_note(ledger_id="crash", note=note, sleep_seconds=3)
    wait_until(lambda: broker.get(f"kerneltest:started:{note}") is not None, timeout=20)
    # when it is killed with SIGKILL, with no chance to acknowledge or clean up
    victim.kill()
    assert effects("noted", "crash") == []
    started_at = time.monotonic()
    start_worker(queues="kerneltest,messaging", concurrency=2, beat=True)
    # then the sweep sends the lost delivery again and it is handled once
    wait_until(lambda: effects("noted", "crash") == [note], timeout=60)
    recovery = time.monotonic() - started_at
    # and the killed worker's unacknowledged copy, back after the visibility timeout, is a duplicate
    wait_until(lambda: in_flight(broker, "kerneltest") == 0, timeout=60)
    assert effects("noted", "crash") == [note]
    assert int(broker.get(f"kerneltest:started:{note}")) == 2  # it really ran twice
    assert handled(handler="kerneltest.on_ledger_noted") == 1
    print(f"recovered {recovery:.1f}s after the kill")


def test_a_poison_message_goes_to_dead_letters_the_queue_flows_and_a_retry_works(start_worker, settings):
    # given a worker, and a message whose handler fails more times than attempts allow
    worker = start_worker()
    poison = f"poison-{uuid.uuid4()}"
    services.ledger_note(ledger_id="p", note=poison, fail_times=3)  # MESSAGING_MAX_ATTEMPTS = 3
    # when other messages follow on the same queue
    for i in range(10):
        services.ledger_note(ledger_id=f"healthy-{i}", note=f"fine-{i}")
    # then they all flow, while the poison ends as a dead letter for both its handlers
    wait_until(lambda: len(effects("noted")) == 10, timeout=30)
    wait_until(lambda: FailedDelivery.objects.filter(status="dead").count() == 2, timeout=30)
    dead = FailedDelivery.objects.get(handler="kerneltest.on_ledger_noted")
    assert (dead.attempts, dead.name) == (3, "kerneltestapi.LedgerNoted")
    assert f"planned failure 3 of {poison}" in dead.last_error
    assert poison not in effects("noted")
    # when staff retry the dead letters (the handler has used up its planned failures)
    assert failures.retry_dead_letters() == 2
    # then
    wait_until(lambda: poison in effects("noted") and poison in effects("noted_in_order"), timeout=30)
    wait_until(lambda: FailedDelivery.objects.count() == 0)
    assert effects("noted").count(poison) == 1
    assert "retrying" in worker.output() or "dead letter" in worker.output()

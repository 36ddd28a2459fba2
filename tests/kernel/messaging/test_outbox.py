from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pytest
import redis
from django.db import connections, transaction

from mallbots.kernel.ddd import context
from mallbots.kernel.messaging import consumer, reconcile, relay
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.models import Delivery, Stream, StreamMessage
from mallbots.kernel.uow import command
from tests.conftest import wait_until
from tests.kernel.messaging.helpers import (
    deliveries_of,
    fanned_out,
    queued_tasks,
    stream_lock,
    waiting_for_a_stream_lock,
)
from tests.kernelapp import contracts, services

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class OtherStreamEvent(IntegrationEvent, name="kernelotherapi.Thing", producer="kernelother"):
    """An event of a stream nobody subscribes to."""

    id: str


IN_ORDER = "kerneltest.on_ledger_credited_in_order"
CREDITED = "kerneltestapi.LedgerCredited"
FORWARD = "kerneltest.on_ledger_credited_forward"


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


@pytest.mark.django_db
def test_the_outbox_row_commits_with_the_command(relay_off):
    # given
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Books")
    # when
    with context.use(correlation_id="corr-7", actor="bob"):
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("4.20"), note="hello")
    # then
    row = StreamMessage.objects.get(partition_key=ledger_id)
    assert (row.name, row.version, row.producer, row.correlation_id) == (
        "kerneltestapi.LedgerCredited",
        1,
        "kerneltest",
        "corr-7",
    )
    assert row.payload == {"ledger_id": ledger_id, "amount": "4.20", "entry": 1, "note": "hello"}
    assert row.metadata == {"actor": "bob"}
    assert row.stream_position is None  # in the outbox until the relay appends it
    assert sorted((d["handler"], d["queue"], d["seq"]) for d in fanned_out(row)) == [
        ("kerneltest.on_ledger_credited_count", "kerneltest", None),
        ("kerneltest.on_ledger_credited_forward", "kerneltest", None),
        (IN_ORDER, "kerneltest", 1),
    ]


@pytest.mark.django_db
def test_no_outbox_row_when_the_transaction_rolls_back(relay_off):
    # given
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Books")
    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
        raise RuntimeError("the caller fails after the command")
    # then
    assert not StreamMessage.objects.filter(partition_key=ledger_id).exists()
    # and the rolled-back message took no sequence number: no gap
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    row = StreamMessage.objects.get(partition_key=ledger_id)
    assert next(d["seq"] for d in fanned_out(row) if d["handler"] == IN_ORDER) == 1


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="must run inside the transaction"):
        publish(contracts.LedgerNoted(ledger_id="x", note="n"))
    assert StreamMessage.objects.count() == 0


@pytest.mark.django_db
def test_sequences_count_per_handler_and_partition(relay_off):
    a, b = new_id(), new_id()
    for ledger_id in (a, b):
        services.ledger_open(ledger_id=ledger_id, name="L")
    for ledger_id in (a, b, a, a, b):
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    seqs = {
        key: [
            next(d["seq"] for d in fanned_out(row) if d["handler"] == IN_ORDER)
            for row in StreamMessage.objects.filter(partition_key=key).order_by("position")
        ]
        for key in (a, b)
    }
    assert seqs == {a: [1, 2, 3], b: [1, 2]}


@pytest.mark.django_db
def test_relay_after_commit_sends_one_task_per_subscriber_and_marks_the_row(broker):
    # given relaying inline after commit (the default)
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Toys")
    # when
    with transaction.atomic():
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    # then (the test transaction wraps everything, so run the on-commit relay by hand)
    assert relay.relay_pending() == 1
    row = StreamMessage.objects.get(partition_key=ledger_id)
    assert (row.stream_position, row.appended_at is not None) == (1, True)
    tasks = queued_tasks(broker, "kerneltest")
    assert sorted(t["args"][0] for t in tasks) == sorted(d["handler"] for d in fanned_out(row))
    assert {t["task"] for t in tasks} == {"messaging.deliver"}
    envelope = tasks[0]["args"][1]
    assert envelope["id"] == str(row.message_id)
    assert envelope["partition_key"] == ledger_id
    assert (envelope["position"], envelope["stream_position"]) == (row.position, 1)
    assert Delivery.objects.filter(message_id=row.message_id, status="pending").count() == 3
    assert relay.relay_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_inline_relay_runs_on_commit(broker):
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Toys")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    assert StreamMessage.objects.get(partition_key=ledger_id).stream_position is not None
    assert len(queued_tasks(broker, "kerneltest")) == 3


@command
def _credit_and_announce(*, ledger_id: str, things: int) -> None:
    """A command that publishes to the ledgers' stream and, `things` times, to another."""
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    for _ in range(things):
        publish(OtherStreamEvent(id=new_id()))


@command
def _announce(*, things: int) -> None:
    for _ in range(things):
        publish(OtherStreamEvent(id=new_id()))


def _in_own_connection(fn: Callable[[], object]) -> None:
    try:
        fn()
    finally:
        connections.close_all()


@contextmanager
def _waiting_for_the_ledgers_stream(fn: Callable[[], object]) -> Iterator[None]:
    """Run `fn` in a thread of its own while another transaction holds the ledgers' stream
    lock; inside, `fn` is waiting for that lock. On leaving, the lock is let go and `fn` ends."""
    Stream.objects.get_or_create(name="kerneltest")
    with ThreadPoolExecutor(1) as pool, stream_lock("kerneltest") as holder:
        done = pool.submit(_in_own_connection, fn)
        wait_until(lambda: waiting_for_a_stream_lock() == 1, timeout=20)
        yield
        holder.rollback()
        done.result(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_a_command_appends_what_it_published_before_it_commits(broker):
    # given a ledger
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Toys")
    # when a command publishes to its stream while another transaction holds the stream's lock
    with _waiting_for_the_ledgers_stream(
        partial(services.ledger_credit, ledger_id=ledger_id, amount=Decimal("1"))
    ):
        # then it waits for the lock inside its transaction: nothing of it is committed yet
        assert not StreamMessage.objects.filter(partition_key=ledger_id, name=CREDITED).exists()
    # and once it has the lock it commits its message appended, with its deliveries sent
    row = StreamMessage.objects.get(partition_key=ledger_id, name=CREDITED)
    assert row.stream_position is not None
    assert Delivery.objects.filter(message_id=row.message_id).count() == 3
    assert len(queued_tasks(broker, "kerneltest")) == 3


@pytest.mark.django_db(transaction=True)
def test_a_command_that_publishes_to_two_streams_leaves_them_to_the_relay_after_commit(broker):
    # given a ledger
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Toys")
    # when a command publishes to both streams while another transaction holds the ledgers'
    with _waiting_for_the_ledgers_stream(partial(_credit_and_announce, ledger_id=ledger_id, things=1)):
        # then it has committed both messages, holding no stream's lock: the relay after the
        # commit waits
        assert StreamMessage.objects.filter(stream_position__isnull=True).count() == 2
    # and that relay appends both streams' messages
    assert not StreamMessage.objects.filter(stream_position__isnull=True).exists()
    assert len(queued_tasks(broker, "kerneltest")) == 3


@pytest.mark.django_db(transaction=True)
def test_a_command_that_published_more_than_a_batch_has_all_of_it_appended(broker, settings):
    # given batches of two messages
    settings.MESSAGING_RELAY_BATCH = 2
    # when a command publishes five to one stream
    _announce(things=5)
    # then the first batch was appended before its commit, the rest by the relay after it
    positions = sorted(StreamMessage.objects.values_list("stream_position", flat=True))
    assert positions == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_appends_what_its_handler_published_before_it_commits(broker):
    # given a credit whose handler forwards a new message
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Toys")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"), note="forward")
    credited = StreamMessage.objects.get(partition_key=ledger_id, name=CREDITED)
    (delivery,) = [d for d in deliveries_of(credited) if d[0] == FORWARD]
    # when the handler runs
    with _waiting_for_the_ledgers_stream(partial(consumer.process, *delivery)):
        # then the delivery waits for the lock inside its transaction: not handled yet
        assert Delivery.objects.get(message_id=credited.message_id, handler=FORWARD).status == "pending"
    # and it commits handled, with the forwarded message appended and its deliveries sent
    assert Delivery.objects.get(message_id=credited.message_id, handler=FORWARD).status == "handled"
    noted = StreamMessage.objects.get(partition_key=ledger_id, name="kerneltestapi.LedgerNoted")
    assert noted.stream_position is not None
    assert {t["args"][1]["id"] for t in queued_tasks(broker, "kerneltest")} >= {str(noted.message_id)}


@pytest.mark.django_db(transaction=True)
def test_broker_down_loses_nothing_and_everything_goes_out_when_it_is_back(
    own_redis, use_broker, monkeypatch
):
    # given a broker that is up, then goes down
    use_broker(own_redis.url)
    monkeypatch.setattr(relay, "_inline_paused_until", 0.0)
    ledger_ids = [new_id() for _ in range(5)]
    for ledger_id in ledger_ids:
        services.ledger_open(ledger_id=ledger_id, name="Down")
    own_redis.stop()
    # when commands keep committing while it is down
    started = time.monotonic()
    for ledger_id in ledger_ids:
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    elapsed = time.monotonic() - started
    # then the commands succeed, and only the first commit paid for the outage
    assert elapsed < 10
    with pytest.raises(relay.BrokerUnavailable):
        relay.relay_pending()
    # and every message is in its stream with its deliveries stored, none sent
    assert StreamMessage.objects.filter(stream_position__isnull=True).count() == 0
    deliveries = Delivery.objects.filter(
        message_id__in=StreamMessage.objects.values("message_id"), name=CREDITED
    )
    assert deliveries.count() == 15
    assert set(deliveries.values_list("status", "sent_at")) == {("pending", None)}
    # when the broker is back (empty: it kept nothing) and the sweep runs
    own_redis.start()
    use_broker(own_redis.url)
    sent = reconcile.sweep_all()
    # then every delivery went out, exactly once
    assert sent == 15
    tasks = queued_tasks(redis.Redis.from_url(own_redis.url), "kerneltest")
    assert len(tasks) == 15
    assert sorted({t["args"][1]["partition_key"] for t in tasks}) == sorted(ledger_ids)
    assert reconcile.sweep_all() == 0  # sent, and in the queue: not again


@pytest.mark.django_db(transaction=True)
def test_two_relays_never_send_the_same_row(broker, relay_off, settings):
    # given many unsent rows
    settings.MESSAGING_RELAY_BATCH = 50
    with transaction.atomic():
        for i in range(600):
            publish(contracts.LedgerNoted(ledger_id=f"l-{i % 7}", note=f"n{i}"))
    # when two relays drain the outbox at the same time
    counts: list[int] = []

    def run() -> None:
        try:
            counts.append(relay.relay_pending(max_seconds=60))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then each row was appended once, in one gapless stream, and went out once: two handlers
    # subscribe, so two tasks per row
    assert sum(counts) == 600
    tasks = queued_tasks(broker, "kerneltest")
    assert len(tasks) == 1200
    assert len({t["id"] for t in tasks}) == 1200
    positions = sorted(StreamMessage.objects.values_list("stream_position", flat=True))
    assert positions == list(range(1, 601))


@pytest.mark.django_db(transaction=True)
def test_a_row_that_commits_late_is_still_sent(broker, relay_off):
    # given a transaction that publishes first but commits 2 s later
    inside = threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                publish(contracts.LedgerNoted(ledger_id="late", note="early-but-slow"))
                inside.set()
                time.sleep(2)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    inside.wait(5)
    # when a later transaction commits and the relay runs before the slow one commits
    with transaction.atomic():
        publish(contracts.LedgerNoted(ledger_id="fast", note="late-but-quick"))
    first = relay.relay_pending()
    writer.join(10)
    second = relay.relay_pending()
    # then the relay sent the quick one first and the late one once it committed
    assert (first, second) == (1, 1)
    notes = [t["args"][1]["payload"]["note"] for t in queued_tasks(broker, "kerneltest")]
    assert sorted(notes) == ["early-but-slow"] * 2 + ["late-but-quick"] * 2
    late = StreamMessage.objects.get(partition_key="late")
    fast = StreamMessage.objects.get(partition_key="fast")
    assert late.position < fast.position  # it had the lower global position all along
    assert late.stream_position > fast.stream_position  # but its stream took it after the quick one


@pytest.mark.django_db
def test_a_command_outside_any_request_stores_and_publishes_under_one_correlation_id(relay_off):
    # given no request or handler context (a shell, a management command)
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Shell")
    # when
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    # then the event and its message share one correlation id, new for this command
    from mallbots.kernel.eventstore.models import Event

    event = Event.objects.get(stream_id=ledger_id, version=2)
    message = StreamMessage.objects.get(partition_key=ledger_id)
    opened = Event.objects.get(stream_id=ledger_id, version=1)
    assert event.metadata["correlation_id"] == message.correlation_id
    assert opened.metadata["correlation_id"] != event.metadata["correlation_id"]


@pytest.mark.django_db(transaction=True)
def test_a_plain_transaction_outside_any_request_shares_one_correlation_id(relay_off):
    # given a script's own transaction (no request, no handler, no @command)
    with transaction.atomic():
        first = publish(contracts.LedgerNoted(ledger_id="s", note="one"))
        second = publish(contracts.LedgerNoted(ledger_id="s", note="two"))
    with transaction.atomic():
        third = publish(contracts.LedgerNoted(ledger_id="s", note="three"))
    # then one correlation id per transaction
    ids = dict(StreamMessage.objects.values_list("message_id", "correlation_id"))
    rows = {str(k): v for k, v in ids.items()}
    assert rows[first] == rows[second] != rows[third]


@pytest.mark.django_db(transaction=True)
def test_a_message_published_twice_with_one_id_is_stored_and_delivered_once(broker):
    # given a producer that retries a publish with the id it used (say, after a timeout)
    message_id = str(uuid.uuid4())
    event = contracts.LedgerNoted(ledger_id="dedup", note="once")
    with transaction.atomic():
        first = publish(event, message_id=message_id)
    # when it publishes again with the same id
    with transaction.atomic():
        second = publish(event, message_id=message_id)
    # then one message, one delivery per subscriber, one task each
    assert first == second == message_id
    assert StreamMessage.objects.filter(partition_key="dedup").count() == 1
    assert Delivery.objects.filter(message_id=message_id).count() == 2
    assert sorted(t["args"][0] for t in queued_tasks(broker, "kerneltest")) == [
        "kerneltest.on_ledger_noted",
        "kerneltest.on_ledger_noted_in_order",
    ]


@pytest.mark.django_db
def test_stream_positions_count_per_stream_and_global_positions_across_streams(relay_off):
    # given messages of two streams, interleaved
    with transaction.atomic():
        publish(contracts.LedgerNoted(ledger_id="a", note="1"))
        publish(OtherStreamEvent(id="o-1"))
        publish(contracts.LedgerNoted(ledger_id="a", note="2"))
        publish(OtherStreamEvent(id="o-2"))
    # when the relay appends them
    relay.relay_pending(["kerneltest", "kernelother"])
    # then each stream counts its own, the global position orders them all
    rows = list(StreamMessage.objects.order_by("position").values_list("producer", "stream_position"))
    assert rows == [("kerneltest", 1), ("kernelother", 1), ("kerneltest", 2), ("kernelother", 2)]
    heads = dict(Stream.objects.filter(name__in=["kerneltest", "kernelother"]).values_list("name", "head"))
    assert heads == {"kerneltest": 2, "kernelother": 2}

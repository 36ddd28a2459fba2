"""The consuming side driven directly (no broker): duplicates, reordering, failures."""

from __future__ import annotations

import dataclasses
import random
import re
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mallbots.kernel.ddd import context
from mallbots.kernel.messaging import consumer, failures, registry
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import FailedDelivery, PartitionCursor, StreamMessage
from mallbots.kernel.uow import ConcurrencyError, command
from tests.kernel.messaging.helpers import deliveries_of, handled
from tests.kernelapp import services
from tests.kernelapp.models import HandledEffect

pytestmark = pytest.mark.integration

IN_ORDER = "kerneltest.on_ledger_credited_in_order"
COUNT = "kerneltest.on_ledger_credited_count"
CLOSED = "kerneltest.on_ledger_closed_in_order"
HISTORY = "kerneltest.ledger_history"


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def credits(ledgers: int, per_ledger: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(ledgers)]
    for ledger_id in ids:
        services.ledger_open(ledger_id=ledger_id, name="L")
    for _ in range(per_ledger):
        for ledger_id in ids:
            services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    return ids


def all_deliveries(handler: str):
    return [
        d for row in StreamMessage.objects.order_by("position") for d in deliveries_of(row) if d[0] == handler
    ]


def effects(handler: str, key: str) -> list[str]:
    return list(
        HandledEffect.objects.filter(handler=handler, key=key)
        .order_by("created")
        .values_list("value", flat=True)
    )


def drain_held() -> None:
    """What the retry sweep does, without waiting for backoffs."""
    for _ in range(100):
        held = list(FailedDelivery.objects.filter(status__in=["held", "retrying"]))
        if not held:
            return
        for row in held:
            consumer.process(row.handler, row.envelope(), row.seq, row.attempts + 1)
    raise AssertionError("held deliveries never drained")


@pytest.mark.django_db
def test_every_message_twice_and_shuffled_has_its_effect_once_and_in_order():
    # given 3 ledgers with 6 credits each
    ids = credits(3, 6)
    deliveries = all_deliveries(IN_ORDER) + all_deliveries(COUNT)
    assert len(deliveries) == 36
    shuffled = deliveries * 2
    random.Random(7).shuffle(shuffled)
    # when each delivery arrives twice, in random order
    outcomes = [consumer.process(h, env, seq) for h, env, seq in shuffled]
    drain_held()
    # then
    assert Outcome.DUPLICATE in outcomes and Outcome.HELD in outcomes
    for ledger_id in ids:
        assert effects("in_order", ledger_id) == ["1", "2", "3", "4", "5", "6"]
        assert sorted(effects("count", ledger_id)) == ["1", "2", "3", "4", "5", "6"]
        assert PartitionCursor.objects.get(sequence=HISTORY, partition_key=ledger_id).last == 6
    assert handled() == 36
    assert FailedDelivery.objects.count() == 0


@pytest.mark.django_db
def test_an_early_message_is_held_until_its_predecessor_is_handled():
    # given
    (ledger_id,) = credits(1, 2)
    first, second = all_deliveries(IN_ORDER)
    # when the second arrives first
    assert consumer.process(*second) == Outcome.HELD
    # then it waits, recorded as held, with nothing done
    held = FailedDelivery.objects.get()
    assert (held.status, held.seq, held.attempts) == ("held", 2, 1)
    assert held.last_error == f"waiting for message #1 of partition {ledger_id}"
    assert effects("in_order", ledger_id) == []
    # when the first arrives (its commit wakes the held one; here the test plays the sweep)
    with transaction.atomic():
        assert consumer.process(*first) == Outcome.HANDLED
    assert FailedDelivery.objects.get().due_at is not None
    assert consumer.process(second[0], second[1], second[2], attempt=2) == Outcome.HANDLED
    # then
    assert effects("in_order", ledger_id) == ["1", "2"]
    assert FailedDelivery.objects.count() == 0


@pytest.mark.django_db
def test_the_handler_runs_under_the_messages_correlation_and_causation():
    # given
    with context.use(correlation_id="order-42"):
        credits(1, 1)
    handler, envelope, seq = all_deliveries(IN_ORDER)[0]
    # when
    consumer.process(handler, envelope, seq)
    # then
    effect = HandledEffect.objects.get(handler="in_order")
    assert (effect.correlation_id, effect.causation_id) == ("order-42", envelope["id"])


@pytest.mark.django_db
def test_what_a_handler_publishes_carries_the_correlation_and_causation_on():
    # given a credit whose handler forwards a new message
    ledger_id = str(uuid.uuid4())
    with context.use(correlation_id="flow-1"):
        services.ledger_open(ledger_id=ledger_id, name="F")
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"), note="forward")
    handler, envelope, seq = all_deliveries("kerneltest.on_ledger_credited_forward")[0]
    # when
    consumer.process(handler, envelope, seq)
    # then
    forwarded = StreamMessage.objects.get(name="kerneltestapi.LedgerNoted")
    assert forwarded.payload["note"] == "forwarded-1"
    assert (forwarded.correlation_id, forwarded.causation_id) == ("flow-1", envelope["id"])


@pytest.mark.django_db
def test_transient_failures_retry_with_backoff_then_dead_letter(settings):
    # given a handler that fails 5 times, and 3 attempts allowed
    settings.MESSAGING_MAX_ATTEMPTS = 3
    message_id = services.ledger_note(ledger_id="p", note=f"flaky-{uuid.uuid4()}", fail_times=5)
    handler, envelope, seq = next(
        d
        for d in deliveries_of(StreamMessage.objects.get(message_id=message_id))
        if d[0].endswith("on_ledger_noted")
    )
    # when
    outcomes = [consumer.process(handler, envelope, seq, attempt) for attempt in range(3)]
    # then
    assert outcomes == [Outcome.RETRYING, Outcome.RETRYING, Outcome.DEAD]
    row = FailedDelivery.objects.get(handler=handler)
    assert (row.status, row.attempts, row.due_at) == ("dead", 3, None)
    assert "planned failure 3" in row.last_error
    assert not HandledEffect.objects.filter(handler="noted").exists()
    assert handled(handler=handler) == 0


@pytest.mark.django_db
def test_a_terminal_error_dead_letters_at_once():
    message_id = services.ledger_note(ledger_id="p", note=f"bad-{uuid.uuid4()}", fail_times=1, terminal=True)
    handler, envelope, seq = next(
        d
        for d in deliveries_of(StreamMessage.objects.get(message_id=message_id))
        if d[0].endswith("on_ledger_noted")
    )
    assert consumer.process(handler, envelope, seq) == Outcome.DEAD
    assert FailedDelivery.objects.get(handler=handler).attempts == 1


@pytest.mark.django_db
def test_an_unknown_event_version_is_a_dead_letter_not_a_crash():
    message_id = services.ledger_note(ledger_id="p", note="v9")
    handler, envelope, seq = deliveries_of(StreamMessage.objects.get(message_id=message_id))[0]
    envelope = {**envelope, "version": 9}
    assert consumer.process(handler, envelope, seq) == Outcome.DEAD
    assert "newer than the known v1" in FailedDelivery.objects.get().last_error


@pytest.mark.django_db
def test_later_messages_of_a_dead_partition_wait_and_flow_after_a_retry(settings):
    # given an ordered handler whose first message keeps failing until dead
    settings.MESSAGING_MAX_ATTEMPTS = 2
    handler = "kerneltest.on_ledger_noted_in_order"
    poison = f"poison-{uuid.uuid4()}"
    ids = [
        services.ledger_note(ledger_id="k", note=poison, fail_times=2),
        services.ledger_note(ledger_id="k", note="after-1"),
        services.ledger_note(ledger_id="k", note="after-2"),
        services.ledger_note(ledger_id="other", note="elsewhere"),
    ]
    mine = [
        next(d for d in deliveries_of(StreamMessage.objects.get(message_id=i)) if d[0] == handler)
        for i in ids
    ]
    # when
    assert [consumer.process(*mine[0], attempt=a) for a in (0, 1)] == [Outcome.RETRYING, Outcome.DEAD]
    assert [consumer.process(*d) for d in mine[1:]] == [Outcome.HELD, Outcome.HELD, Outcome.HANDLED]
    # then the other partition flowed, this one waits behind its dead letter
    assert effects("noted_in_order", "other") == ["elsewhere"]
    assert effects("noted_in_order", "k") == []
    # when staff retry the dead letter (its failure budget is used up, so it succeeds now)
    assert failures.retry_dead_letters() == 1
    drain_held()
    # then the partition resumed in order
    assert effects("noted_in_order", "k") == [poison, "after-1", "after-2"]
    assert FailedDelivery.objects.count() == 0


@pytest.mark.django_db
def test_discarding_a_dead_letter_lets_its_partition_move_on(settings):
    settings.MESSAGING_MAX_ATTEMPTS = 1
    handler = "kerneltest.on_ledger_noted_in_order"
    ids = [
        services.ledger_note(ledger_id="d", note=f"never-{uuid.uuid4()}", fail_times=9),
        services.ledger_note(ledger_id="d", note="next"),
    ]
    mine = [
        next(d for d in deliveries_of(StreamMessage.objects.get(message_id=i)) if d[0] == handler)
        for i in ids
    ]
    assert consumer.process(*mine[0]) == Outcome.DEAD
    assert consumer.process(*mine[1]) == Outcome.HELD
    # when
    assert failures.discard_dead_letters() == 1
    drain_held()
    # then
    assert effects("noted_in_order", "d") == ["next"]
    assert PartitionCursor.objects.get(sequence=handler, partition_key="d").last == 2


@pytest.mark.django_db
def test_an_order_group_keeps_publication_order_across_its_handlers():
    # given credits then a close of one ledger, handled by two handlers of one order group
    (ledger_id,) = credits(1, 2)
    services.ledger_close(ledger_id=ledger_id)
    deliveries = all_deliveries(IN_ORDER) + all_deliveries(CLOSED)
    assert [seq for _, _, seq in deliveries] == [1, 2, 3]
    # when the close arrives first, then the second credit, then the first
    outcomes = [consumer.process(*deliveries[i]) for i in (2, 1, 0)]
    # then the close and the second credit waited for the first credit
    assert outcomes == [Outcome.HELD, Outcome.HELD, Outcome.HANDLED]
    drain_held()
    assert effects("in_order", ledger_id) == ["1", "2", "closed"]
    assert PartitionCursor.objects.get(sequence=HISTORY, partition_key=ledger_id).last == 3


@pytest.mark.django_db
def test_the_timeline_of_a_correlation_id_lists_events_messages_and_outcomes():
    # given a flow under one correlation id, one handler done
    with context.use(correlation_id="order-7"):
        (ledger_id,) = credits(1, 1)
    handler, envelope, seq = all_deliveries(IN_ORDER)[0]
    consumer.process(handler, envelope, seq)
    # when
    from mallbots.kernel.ops.timeline import correlation_timeline

    entries = correlation_timeline("order-7")
    # then
    assert [(e.kind, e.what, e.outcome) for e in entries] == [
        ("event", "kerneltest.LedgerOpened", "stored"),
        ("event", "kerneltest.LedgerCredited", "stored"),
        ("published", "kerneltestapi.LedgerCredited", "appended to kerneltest #1"),
        ("handled", "kerneltestapi.LedgerCredited", "handled"),
    ]
    assert entries[0].where == f"kerneltest.Ledger {ledger_id} v1"
    assert correlation_timeline("another") == []


@pytest.mark.django_db
def test_data_the_database_cannot_store_is_a_dead_letter_at_once_with_a_readable_error():
    # given a note longer than the handler's table can hold (200 characters)
    message_id = services.ledger_note(ledger_id="p", note="x" * 300)
    handler, envelope, seq = next(
        d
        for d in deliveries_of(StreamMessage.objects.get(message_id=message_id))
        if d[0].endswith("on_ledger_noted")
    )
    # when
    outcome = consumer.process(handler, envelope, seq)
    # then retrying could never help: dead at once, its error in one line first
    assert outcome == Outcome.DEAD
    dead = FailedDelivery.objects.get(handler=handler)
    assert dead.attempts == 1
    assert failures.error_summary(dead.last_error) == (
        "DataError: value too long for type character varying(200)"
    )
    assert "Traceback (most recent call last)" in dead.last_error


@pytest.mark.django_db
def test_a_profiled_delivery_logs_where_its_time_went_by_phase(settings, caplog):
    # given a credit whose handler publishes a message, handed to the broker half a second ago
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="P")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"), note="forward")
    handler, envelope, seq = all_deliveries("kerneltest.on_ledger_credited_forward")[0]
    settings.MESSAGING_PROFILE = True
    # when
    with caplog.at_level("INFO", logger="mallbots.kernel.messaging.profile"):
        consumer.process(handler, envelope, seq, sent_at=time.time() - 0.5)
    # then one line, every phase timed: the broker's wait, and the message written to the outbox
    [line] = [r.getMessage() for r in caplog.records if r.name == "mallbots.kernel.messaging.profile"]
    match = re.fullmatch(
        rf"profile {handler} <- kerneltestapi.LedgerCredited: broker ([\d.]+) claim ([\d.]+) handler ([\d.]+) "
        r"outbox ([\d.]+) commit ([\d.]+) relay ([\d.]+) total ([\d.]+) ms",
        line,
    )
    assert match, line
    broker, claim, handled_in, outbox, commit, relay, total = map(float, match.groups())
    assert broker >= 500
    assert min(claim, handled_in, outbox, total) > 0
    assert claim + handled_in + outbox + commit + relay <= total


@pytest.mark.django_db
def test_an_unprofiled_delivery_logs_no_profile(caplog):
    # given
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="Q")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    handler, envelope, seq = all_deliveries(IN_ORDER)[0]
    # when
    with caplog.at_level("INFO", logger="mallbots.kernel.messaging.profile"):
        consumer.process(handler, envelope, seq)
    # then
    assert not [r for r in caplog.records if r.name == "mallbots.kernel.messaging.profile"]


def _handled_by_a_command(monkeypatch, handler: str, lose_races: int) -> list[str]:
    """Make `handler` a command (as a context's handlers call their services) that does its
    real work, then loses a concurrency race the first `lose_races` times. Returns the
    message ids of the runs."""
    sub = registry.subscription(handler)
    runs: list[str] = []

    @command
    def run_the_service(event, envelope):
        runs.append(envelope.id)
        sub.handler(event, envelope)
        if len(runs) <= lose_races:
            raise ConcurrencyError()

    monkeypatch.setitem(registry._by_handler, handler, dataclasses.replace(sub, handler=run_the_service))
    return runs


@pytest.mark.django_db(transaction=True)  # the delivery's transaction is a real one, as in a worker
def test_a_handlers_command_runs_in_the_deliverys_transaction_without_a_savepoint(monkeypatch):
    # given a credit whose counting handler runs a command
    (ledger_id,) = credits(1, 1)
    (delivery,) = all_deliveries(COUNT)
    runs = _handled_by_a_command(monkeypatch, COUNT, lose_races=0)
    # when it is delivered
    with CaptureQueriesContext(connection) as queries:
        outcome = consumer.process(*delivery)
    # then it is handled with no savepoint around the command
    assert (outcome, len(runs), len(effects("count", ledger_id))) == (Outcome.HANDLED, 1, 1)
    assert not [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]


@pytest.mark.django_db
def test_a_delivery_whose_command_loses_a_race_runs_again_whole_with_its_effect_once(monkeypatch):
    # given a counting handler whose command loses a race the first time
    (ledger_id,) = credits(1, 1)
    (delivery,) = all_deliveries(COUNT)
    runs = _handled_by_a_command(monkeypatch, COUNT, lose_races=1)
    # when it is delivered
    outcome = consumer.process(*delivery)
    # then the whole delivery ran again at once: the first run's effect was rolled back with it
    assert (outcome, len(runs)) == (Outcome.HANDLED, 2)
    assert len(effects("count", ledger_id)) == 1
    assert handled(handler=COUNT) == 1
    assert not FailedDelivery.objects.exists()


@pytest.mark.django_db
def test_a_delivery_that_keeps_losing_races_is_retried_later_not_dead(monkeypatch, settings):
    # given a command that loses every race
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 3
    (ledger_id,) = credits(1, 1)
    (delivery,) = all_deliveries(COUNT)
    runs = _handled_by_a_command(monkeypatch, COUNT, lose_races=99)
    # when it is delivered
    outcome = consumer.process(*delivery)
    # then it tried three times, left no effect, and waits for a retry: a race is not permanent
    assert (outcome, len(runs), effects("count", ledger_id)) == (Outcome.RETRYING, 3, [])
    assert "changed concurrently" in FailedDelivery.objects.get(handler=COUNT).last_error


@pytest.mark.django_db(transaction=True)  # the delivery's transaction is a real one, as in a worker
def test_a_delivery_that_meets_a_broken_connection_runs_again_at_once_on_a_new_one():
    # given a delivery, and this process's database session ended behind its back (as by a
    # database restart between two deliveries)
    (ledger_id,) = credits(1, 1)
    (delivery,) = all_deliveries(COUNT)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    # when it is delivered
    outcome = consumer.process(*delivery)
    # then it is handled now, on a new session, with no failure recorded to retry later
    assert (outcome, effects("count", ledger_id)) == (Outcome.HANDLED, ["1"])
    assert not FailedDelivery.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid

"""Subscribers that start from the retained history: added to a running system, replayed from
a position or a time, replayed with what they handled forgotten; and the streams command."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from mallbots.kernel.messaging import catchup, consumer, relay, subscribers
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.models import Delivery, StreamMessage, Subscriber
from tests.conftest import wait_until
from tests.kernel.messaging.helpers import append, queued_tasks, stream_lock, waiting_for_a_stream_lock
from tests.kernelapp import contracts
from tests.kernelapp.models import HandledEffect

pytestmark = pytest.mark.integration

IN_ORDER = "kerneltest.on_ledger_audited_in_order"
UNORDERED = "kerneltest.on_ledger_audited"


def audit(ledgers: int, entries: range) -> list[StreamMessage]:
    """One LedgerAudited per ledger and entry, each in its own transaction."""
    ids = []
    for entry in entries:
        for ledger in range(ledgers):
            with transaction.atomic():
                ids.append(publish(contracts.LedgerAudited(ledger_id=f"ledger-{ledger}", entry=entry)))
    return list(StreamMessage.objects.filter(message_id__in=ids).order_by("position"))


def effects(handler: str) -> dict[str, list[int]]:
    by_ledger: dict[str, list[int]] = {}
    for key, value in (
        HandledEffect.objects.filter(handler=handler).order_by("created").values_list("key", "value")
    ):
        by_ledger.setdefault(key, []).append(int(value))
    return by_ledger


def deliver_queued(broker, handler: str) -> int:
    """Run what the broker holds for `handler`, as a worker would."""
    tasks = [t for t in queued_tasks(broker, "kerneltest") if t["args"][0] == handler]
    for task in tasks:
        consumer.process(*task["args"])
    broker.delete("kerneltest")
    return len(tasks)


def new_subscriber(name: str) -> None:
    """As if the code had just added `name`: the database has never heard of it."""
    Delivery.objects.filter(handler=name).delete()
    Subscriber.objects.filter(name=name).delete()


@pytest.mark.django_db(transaction=True)
def test_a_handler_added_from_earliest_catches_up_in_order_then_follows_live_traffic(start_worker):
    # given history published before the handler existed
    new_subscriber(IN_ORDER)
    audit(3, range(1, 5))
    # when the code adds it (it starts from the earliest retained message) ...
    assert subscribers.sync(retire=False) == [IN_ORDER]
    assert Subscriber.objects.get(name=IN_ORDER).state == "catching_up"
    # ... more is published while it catches up, the workers start, and more after
    audit(3, range(5, 8))
    start_worker()
    audit(3, range(8, 11))
    # then it saw every message once, each ledger's in order, and it follows the stream live
    wait_until(lambda: sum(map(len, effects("audited_in_order").values())) == 30, timeout=60)
    assert effects("audited_in_order") == {f"ledger-{n}": list(range(1, 11)) for n in range(3)}
    wait_until(lambda: Subscriber.objects.get(name=IN_ORDER).state == "live", timeout=30)
    audit(3, range(11, 12))
    wait_until(lambda: sum(map(len, effects("audited_in_order").values())) == 33, timeout=30)
    assert effects("audited_in_order") == {f"ledger-{n}": list(range(1, 12)) for n in range(3)}
    assert Delivery.objects.filter(handler=IN_ORDER).count() == 33


@pytest.mark.django_db(transaction=True)
def test_a_relay_waiting_while_a_subscriber_turns_live_fans_out_to_it(settings):
    """The relay reads the live subscribers after it holds the stream's lock: a relay that
    waited for that lock while catching up made a subscriber live sees it live."""
    # given a subscriber catching up, and a message waiting in the outbox
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    new_subscriber(IN_ORDER)
    append(audit(1, range(1, 2))[0])  # history, so that it starts by catching up
    subscribers.sync(retire=False)
    assert Subscriber.objects.get(name=IN_ORDER).state == Subscriber.State.CATCHING_UP
    (waiting,) = audit(1, range(2, 3))
    stream = waiting.producer
    # ... while another transaction holds the stream's lock and makes the subscriber live, as
    # catching up does at the head
    with stream_lock(stream) as holder, ThreadPoolExecutor(1) as pool:
        holder.execute("UPDATE messaging_subscriber SET state = 'live' WHERE name = %s", [IN_ORDER])
        # when a relay starts meanwhile, and waits for the lock
        relayed = pool.submit(_relay_in_own_connection, stream)
        wait_until(lambda: waiting_for_a_stream_lock() == 1, timeout=20)
        holder.commit()
        assert relayed.result(timeout=20) == 1
    # then the message it appended has a delivery for the subscriber that is live now
    assert Delivery.objects.filter(handler=IN_ORDER, message_id=waiting.message_id).exists()


def _relay_in_own_connection(stream: str) -> int:
    try:
        appended, _ = relay.append_batch(stream)
        return appended
    finally:
        connection.close()


@pytest.mark.django_db
def test_replay_from_a_position_starts_exactly_there(broker, settings):
    # given a subscriber that joined after ten messages, from new ones only
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    new_subscriber(UNORDERED)
    rows = [append(row) for row in audit(1, range(1, 11))]
    subscribers.sync(retire=False)
    assert not Delivery.objects.filter(handler=UNORDERED).exists()
    # when it is replayed from the sixth message's position
    plan = catchup.replay(UNORDERED, f"position:{rows[5].position}")
    result = catchup.catch_up([UNORDERED])
    # then it gets exactly the messages from there on, and is live again
    assert (plan.messages, plan.missing, plan.handled) == (5, 5, 0)
    assert (result.done, result.delivered) == (True, 5)
    assert sorted(Delivery.objects.filter(handler=UNORDERED).values_list("position", flat=True)) == [
        row.position for row in rows[5:]
    ]
    assert deliver_queued(broker, UNORDERED) == 5
    assert effects("audited") == {"ledger-0": [6, 7, 8, 9, 10]}
    assert Subscriber.objects.get(name=UNORDERED).state == "live"


@pytest.mark.django_db
def test_replay_from_a_time_starts_exactly_there(broker, settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    new_subscriber(UNORDERED)
    rows = [append(row) for row in audit(1, range(1, 6))]
    for minutes, row in zip(range(50, 0, -10), rows, strict=True):  # 50, 40, 30, 20, 10 minutes ago
        StreamMessage.objects.filter(pk=row.pk).update(created_at=row.created_at - timedelta(minutes=minutes))
    subscribers.sync(retire=False)
    since = (rows[2].created_at - timedelta(minutes=30)).isoformat()  # the third message's time
    catchup.replay(UNORDERED, f"time:{since}")
    catchup.catch_up([UNORDERED])
    assert deliver_queued(broker, UNORDERED) == 3
    assert effects("audited") == {"ledger-0": [3, 4, 5]}


@pytest.mark.django_db
def test_replaying_a_subscriber_whose_effects_are_recorded_changes_nothing(broker, settings):
    # given every message handled
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    for row in audit(2, range(1, 4)):
        append(row)
    for delivery in Delivery.objects.filter(handler=UNORDERED):
        consumer.process(
            UNORDERED, StreamMessage.objects.get(message_id=delivery.message_id).envelope(), None
        )
    before = effects("audited")
    # when it is replayed from the earliest message
    plan = catchup.replay(UNORDERED, "earliest")
    result = catchup.catch_up([UNORDERED])
    # then nothing is delivered and nothing happens again
    assert (plan.messages, plan.missing, plan.open, plan.handled) == (6, 0, 0, 6)
    assert result.delivered == 0
    assert queued_tasks(broker, "kerneltest") == []
    assert effects("audited") == before
    assert set(Delivery.objects.filter(handler=UNORDERED).values_list("status", flat=True)) == {"handled"}


@pytest.mark.django_db
def test_replaying_with_forget_runs_the_effects_again_from_there(broker, settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    rows = [append(row) for row in audit(1, range(1, 5))]
    for row in rows:
        consumer.process(UNORDERED, row.envelope(), None)
    catchup.replay(UNORDERED, f"position:{rows[2].position}", forget=True)
    catchup.catch_up([UNORDERED])
    assert deliver_queued(broker, UNORDERED) == 2
    assert effects("audited") == {"ledger-0": [1, 2, 3, 4, 3, 4]}


@pytest.mark.django_db
def test_an_ordered_subscriber_forgets_everything_or_nothing(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    rows = [append(row) for row in audit(1, range(1, 3))]
    with pytest.raises(ValueError, match="ordered: it forgets everything or nothing"):
        catchup.replay(IN_ORDER, f"position:{rows[1].position}", forget=True)
    plan = catchup.replay(IN_ORDER, "earliest", forget=True, dry_run=True)
    assert (plan.members, plan.messages, plan.missing) == ((IN_ORDER,), 2, 2)


@pytest.mark.django_db
def test_an_ordered_subscriber_cannot_take_history_older_than_what_it_handled(settings):
    # given an ordered subscriber that joined late: it has the newer messages only
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    new_subscriber(IN_ORDER)
    for row in audit(1, range(1, 4)):
        append(row)
    Subscriber.objects.create(
        name=IN_ORDER,
        event="kerneltestapi.LedgerAudited",
        stream="kerneltest",
        queue="kerneltest",
        sequence=IN_ORDER,
        state="live",
    )
    for row in audit(1, range(4, 6)):
        append(row)
    # when it is replayed from the earliest without forgetting
    plan = catchup.replay(IN_ORDER, "earliest", dry_run=True)
    # then the older messages are skipped, not delivered after the newer ones
    assert (plan.messages, plan.missing, plan.skipped) == (0, 0, 3)


@pytest.mark.django_db
def test_a_handler_joining_an_order_group_with_history_starts_from_new(caplog):
    # given the audited handler's own sequence has history, and a "new" handler claims it
    from mallbots.kernel.messaging import registry

    Subscriber.objects.filter(name=IN_ORDER).update(sequence="kerneltest.audit_group")
    joined = registry.Subscription(
        "kerneltest.on_ledger_audited_joined",
        "kerneltestapi.LedgerAudited",
        contracts.LedgerAudited,
        lambda event, envelope: None,
        "kerneltest",
        "kerneltest.audit_group",
        "earliest",
    )
    row = subscribers._new_subscriber(
        joined,
        {"sequence": "kerneltest.audit_group", "event": "e", "stream": "s", "queue": "q"},
        {"kerneltest.audit_group"},
        True,
        Subscriber.objects.first().created_at,
    )
    assert (row.state, row.start_from) == ("live", "new")
    assert "joins order group kerneltest.audit_group, which has history already" in caplog.text


@pytest.mark.django_db
def test_a_retired_subscriber_gets_nothing_and_its_open_deliveries_are_discarded(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    (row,) = audit(1, range(1, 2))
    append(row)
    Subscriber.objects.create(
        name="kerneltest.gone",
        event="kerneltestapi.LedgerAudited",
        stream="kerneltest",
        queue="kerneltest",
        state="live",
    )
    (later,) = audit(1, range(2, 3))
    append(later)
    assert Delivery.objects.get(handler="kerneltest.gone").status == "pending"
    subscribers.sync(retire=True)
    assert Subscriber.objects.get(name="kerneltest.gone").state == "retired"
    assert Delivery.objects.get(handler="kerneltest.gone").status == "discarded"
    (last,) = audit(1, range(3, 4))
    append(last)
    assert Delivery.objects.filter(handler="kerneltest.gone").count() == 1


# --- manage.py streams --------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("streams", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def rows_of(output: str) -> list[list[str]]:
    return [re.split(r" {2,}", line) for line in output.splitlines()]


@pytest.mark.django_db
def test_streams_list_shows_each_stream_with_its_positions_and_retention(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    rows = [append(row) for row in audit(1, range(1, 4))]
    audit(1, range(4, 5))  # waiting in the outbox
    table = {line[0]: line for line in rows_of(run("list"))}
    assert table["STREAM"] == [
        "STREAM",
        "HEAD",
        "MESSAGES",
        "BYTES",
        "OLDEST",
        "NEWEST",
        "IN OUTBOX",
        "OLDEST AGE",
        "RETENTION",
    ]
    stream = table["kerneltest"]
    assert stream[1:4] == ["3", "4", f"{sum(r.size for r in rows) + rows[0].size:,}"]
    assert stream[4:7] == ["1", "3", "1"]
    assert stream[8] == "limits: 168 h"


@pytest.mark.django_db
def test_streams_subscribers_shows_each_position_and_lag(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    rows = [append(row) for row in audit(1, range(1, 4))]
    consumer.process(UNORDERED, rows[0].envelope(), None)
    table = {line[0]: line for line in rows_of(run("subscribers", "--stream", "kerneltest"))}
    assert table[UNORDERED][:8] == [UNORDERED, "live", "kerneltest", "kerneltest", "-", "1", "3", "2"]
    assert table["kerneltest.on_ledger_noted"][5:8] == ["3", "3", "0"]


@pytest.mark.django_db
def test_streams_replay_dry_run_says_what_it_would_do_and_changes_nothing(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    for row in audit(1, range(1, 3)):
        append(row)
    out = run("replay", UNORDERED, "--from", "earliest", "--dry-run")
    assert out == (
        f"{UNORDERED} from earliest: 2 messages, 0 to deliver, 2 not handled yet to send again, "
        "0 handled already (unchanged)\ndry run: nothing changed\n"
    )
    assert Subscriber.objects.get(name=UNORDERED).state == "live"


@pytest.mark.django_db
def test_streams_replay_catches_up_and_reports(broker, settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    new_subscriber(UNORDERED)
    for row in audit(1, range(1, 4)):
        append(row)
    subscribers.sync(retire=False)
    out = run("replay", UNORDERED, "--from", "earliest")
    assert out.splitlines()[-1] == f"caught up: {UNORDERED} follow their streams live again"
    assert deliver_queued(broker, UNORDERED) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kerneltest.nobody", "--from", "earliest"), "no subscriber named 'kerneltest.nobody'"),
        ((UNORDERED, "--from", "yesterday"), "start point 'yesterday': use new, earliest, position:N"),
        ((UNORDERED, "--from", "time:2026-01-01T00:00:00"), "with a time zone"),
    ],
)
def test_streams_replay_refuses_what_it_cannot_do(args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=re.escape(message)):
        run("replay", *args)

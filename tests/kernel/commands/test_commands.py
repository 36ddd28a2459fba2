from __future__ import annotations

import builtins
import json
import os
import re
import signal
import threading
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mallbots.kernel.eventstore import projections
from mallbots.kernel.eventstore.models import Event, ProjectionRun
from mallbots.kernel.messaging import reconcile
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import free_port
from tests.kernel.conftest import NOTED, NOTED_IN_ORDER
from tests.kernelapp import services
from tests.kernelapp.models import LedgerView

pytestmark = pytest.mark.integration

ERROR_LINE = "TerminalError: planned failure 1 of <b>bad</b>"


def no_prompt(action: str) -> list[str]:
    return ["--yes"] if action == "discard" else []


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def ledger_views() -> list[tuple[str, str, Decimal, int, bool, int]]:
    return list(
        LedgerView.objects.order_by("id").values_list("id", "name", "balance", "entries", "closed", "version")
    )


@pytest.fixture
def two_ledgers(db: None) -> None:
    """Ledger "a": opened and credited twice (3 events); ledger "b": opened, credited, closed (3)."""
    services.ledger_open(ledger_id="a", name="Books")
    services.ledger_credit(ledger_id="a", amount=Decimal("2.50"))
    services.ledger_credit(ledger_id="a", amount=Decimal("1.25"))
    services.ledger_open(ledger_id="b", name="Toys", owner="tim")
    services.ledger_credit(ledger_id="b", amount=Decimal("10"))
    services.ledger_close(ledger_id="b")


EXPECTED_VIEWS = [
    ("a", "Books", Decimal("3.75"), 2, False, 3),
    ("b", "Toys", Decimal("10.00"), 1, True, 3),
]
SUMMARY = re.compile(r"kerneltest\.ledgers: 2 streams, 6 events replayed in \d+\.\ds\n")


# --- rebuild_projections -------------------------------------------------------------------


def test_rebuild_restores_deleted_and_corrupted_read_model_rows(two_ledgers):
    # given
    LedgerView.objects.filter(id="a").delete()
    LedgerView.objects.filter(id="b").update(balance=Decimal("999"), closed=False)
    # when
    out, err = run("rebuild_projections", "kerneltest.ledgers")
    # then
    assert ledger_views() == EXPECTED_VIEWS
    assert SUMMARY.fullmatch(out)
    assert "kerneltest.ledgers: 100%" in err
    assert "2/2" in err
    run_row = ProjectionRun.objects.get(name="kerneltest.ledgers")
    assert (run_row.streams_rebuilt, run_row.events_replayed) == (2, 6)
    assert run_row.head_position == Event.objects.latest("position").position


def test_rebuild_is_idempotent(two_ledgers):
    # given
    LedgerView.objects.filter(id="a").delete()
    # when
    first, _ = run("rebuild_projections", "kerneltest.ledgers")
    after_first = ledger_views()
    second, _ = run("rebuild_projections", "kerneltest.ledgers")
    # then
    assert after_first == EXPECTED_VIEWS
    assert ledger_views() == EXPECTED_VIEWS
    assert SUMMARY.fullmatch(first)
    assert SUMMARY.fullmatch(second)


def test_rebuild_without_names_rebuilds_every_registered_projection(two_ledgers):
    # given
    LedgerView.objects.all().delete()
    # when
    out, _ = run("rebuild_projections", "--no-progress")
    # then
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(projections.registered())
    assert SUMMARY.fullmatch(next(line for line in lines if line.startswith("kerneltest.ledgers")) + "\n")
    assert ledger_views() == EXPECTED_VIEWS


def test_rebuild_of_an_unknown_projection_fails_and_rebuilds_nothing(two_ledgers):
    # given
    LedgerView.objects.filter(id="a").delete()
    # when
    with pytest.raises(CommandError) as error:
        run("rebuild_projections", "kerneltest.ledgers", "nope")
    # then
    assert str(error.value) == f"unknown projection: nope; known: {', '.join(projections.registered())}"
    assert [view[0] for view in ledger_views()] == ["b"]
    assert ProjectionRun.objects.count() == 0


@pytest.mark.django_db
def test_rebuild_list_shows_projections_and_the_stream_types_they_follow():
    # when
    out, _ = run("rebuild_projections", "--list")
    # then
    lines = out.splitlines()
    assert len(lines) == len(projections.registered())
    assert re.fullmatch(r"kerneltest\.ledgers +kerneltest\.Ledger", next(x for x in lines if "ledgers" in x))
    assert ProjectionRun.objects.count() == 0


# --- dead_letters ------------------------------------------------------------------------------


def cells(line: str) -> list[str]:
    return re.split(r" {2,}", line)


def test_dead_letters_list_shows_a_table_of_dead_letters_oldest_first(failed_delivery):
    # given
    later = failed_delivery(handler=NOTED_IN_ORDER, failed_at=datetime(2024, 5, 1, 11, 0, tzinfo=UTC))
    earlier = failed_delivery(
        error="just one line\nand more", failed_at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    )
    failed_delivery(status=FailedDelivery.Status.RETRYING)
    # when
    out, _ = run("dead_letters", "list")
    # then
    assert [cells(line) for line in out.splitlines()] == [
        ["ID", "HANDLER", "EVENT", "PARTITION KEY", "ATTEMPTS", "LAST FAILED", "ERROR"],
        [
            str(earlier.pk),
            NOTED,
            "kerneltestapi.LedgerNoted",
            earlier.partition_key,
            "3",
            "2024-05-01 10:00:00",
            "just one line",
        ],
        [
            str(later.pk),
            NOTED_IN_ORDER,
            "kerneltestapi.LedgerNoted",
            later.partition_key,
            "3",
            "2024-05-01 11:00:00",
            ERROR_LINE,
        ],
    ]


def test_dead_letters_list_filters_by_handler(failed_delivery):
    # given
    failed_delivery(handler=NOTED)
    in_order = failed_delivery(handler=NOTED_IN_ORDER)
    # when
    out, _ = run("dead_letters", "list", "--handler", NOTED_IN_ORDER)
    other, _ = run("dead_letters", "list", "--handler", "kerneltest.nobody")
    # then
    assert [cells(line)[:2] for line in out.splitlines()] == [
        ["ID", "HANDLER"],
        [str(in_order.pk), NOTED_IN_ORDER],
    ]
    assert other == "no dead letters\n"


def test_dead_letters_retry_gives_the_given_dead_letters_fresh_attempts(failed_delivery):
    # given
    chosen = failed_delivery()
    other = failed_delivery()
    # when
    out, _ = run("dead_letters", "retry", str(chosen.pk))
    # then
    assert out == "retried 1 dead letter\n"
    assert list(FailedDelivery.objects.order_by("pk").values_list("pk", "status", "attempts")) == [
        (chosen.pk, "retrying", 0),
        (other.pk, "dead", 3),
    ]


def test_dead_letters_retry_all_sends_every_dead_letter_to_its_queue(failed_delivery, broker):
    # given
    first = failed_delivery()
    second = failed_delivery(handler=NOTED_IN_ORDER)
    retrying = failed_delivery(status=FailedDelivery.Status.RETRYING)
    # when (the retry sweep runs every MESSAGING_SWEEP_SECONDS)
    out, _ = run("dead_letters", "retry", "--all")
    sent = reconcile.sweep()
    # then
    assert out == "retried 2 dead letters\n"
    assert list(FailedDelivery.objects.order_by("pk").values_list("pk", "status", "attempts")) == [
        (first.pk, "retrying", 0),
        (second.pk, "retrying", 0),
        (retrying.pk, "retrying", 1),
    ]
    queued = sorted(json.loads(item)["headers"]["id"] for item in broker.lrange("kerneltest", 0, -1))
    assert sent == 2
    assert queued == sorted([f"{first.message_id}:{NOTED}:0", f"{second.message_id}:{NOTED_IN_ORDER}:0"])


def test_dead_letters_retry_all_of_one_handler(failed_delivery):
    # given
    noted = failed_delivery(handler=NOTED)
    in_order = failed_delivery(handler=NOTED_IN_ORDER)
    # when
    out, _ = run("dead_letters", "retry", "--all", "--handler", NOTED_IN_ORDER)
    # then
    assert out == "retried 1 dead letter\n"
    assert list(FailedDelivery.objects.order_by("pk").values_list("pk", "status")) == [
        (noted.pk, "dead"),
        (in_order.pk, "retrying"),
    ]


@pytest.mark.parametrize("action", ["retry", "discard"])
def test_ids_that_are_not_dead_letters_are_refused_and_nothing_is_done(failed_delivery, action):
    # given
    dead = failed_delivery()
    retrying = failed_delivery(status=FailedDelivery.Status.RETRYING)
    # when
    with pytest.raises(CommandError) as error:
        run("dead_letters", action, str(dead.pk), str(retrying.pk), "999999", *no_prompt(action))
    # then
    assert str(error.value) == f"not dead letters: {retrying.pk}, 999999"
    assert list(FailedDelivery.objects.order_by("pk").values_list("pk", "status", "attempts")) == [
        (dead.pk, "dead", 3),
        (retrying.pk, "retrying", 1),
    ]
    assert Delivery.objects.filter(status="discarded").count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give the ids of the dead letters, or --all"),
        (("1", "--all"), "give dead letter ids or --all, not both"),
        (("1", "--handler", NOTED), "--handler only goes with --all"),
    ],
)
@pytest.mark.parametrize("action", ["retry", "discard"])
def test_retry_and_discard_need_ids_or_all(failed_delivery, action, args, message):
    # given
    dead = failed_delivery()
    # when
    with pytest.raises(CommandError) as error:
        run("dead_letters", action, *args, *no_prompt(action))
    # then
    assert str(error.value) == message
    assert list(FailedDelivery.objects.values_list("pk", "status")) == [(dead.pk, "dead")]


def test_dead_letters_discard_drops_them_and_records_them_as_discarded(failed_delivery):
    # given
    chosen = failed_delivery(handler=NOTED_IN_ORDER)
    other = failed_delivery()
    # when
    out, _ = run("dead_letters", "discard", str(chosen.pk), "--yes")
    # then
    assert out == "discarded 1 dead letter\n"
    assert list(FailedDelivery.objects.values_list("pk", flat=True)) == [other.pk]
    assert list(Delivery.objects.filter(status="discarded").values_list("handler", "message_id")) == [
        (NOTED_IN_ORDER, chosen.message_id)
    ]


def test_dead_letters_discard_all_without_input_leaves_other_failures_alone(failed_delivery):
    # given
    failed_delivery()
    failed_delivery(handler=NOTED_IN_ORDER)
    retrying = failed_delivery(status=FailedDelivery.Status.RETRYING)
    # when
    out, _ = run("dead_letters", "discard", "--all", "--noinput")
    # then
    assert out == "discarded 2 dead letters\n"
    assert list(FailedDelivery.objects.values_list("pk", flat=True)) == [retrying.pk]
    assert Delivery.objects.filter(status="discarded").count() == 2


@pytest.mark.parametrize(("answer", "left"), [("no", 1), ("", 1), ("yes", 0)])
def test_dead_letters_discard_asks_for_confirmation(failed_delivery, monkeypatch, answer, left):
    # given
    dead = failed_delivery()
    prompts: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda prompt: prompts.append(prompt) or answer)
    # when
    out, _ = run("dead_letters", "discard", str(dead.pk))
    # then
    assert prompts == [
        "Discard 1 dead letter for good? Their handlers will never run for these messages. "
        "Type 'yes' to continue: "
    ]
    assert out == ("discarded 1 dead letter\n" if answer == "yes" else "discard cancelled\n")
    assert FailedDelivery.objects.count() == left
    assert Delivery.objects.filter(status="discarded").count() == 1 - left


# --- relay_outbox ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_relay_outbox_sends_the_unsent_rows_once(broker):
    # given
    first = services.ledger_note(ledger_id="a", note="one")
    second = services.ledger_note(ledger_id="b", note="two")
    # when
    out, _ = run("relay_outbox")
    again, _ = run("relay_outbox")
    # then
    assert out == "appended 2 outbox messages to their streams\n"
    assert again == "appended 0 outbox messages to their streams\n"
    assert StreamMessage.objects.filter(stream_position__isnull=True).count() == 0
    queued = sorted(json.loads(item)["headers"]["id"] for item in broker.lrange("kerneltest", 0, -1))
    assert queued == sorted(
        f"{message_id}:{handler}:0" for message_id in (first, second) for handler in (NOTED, NOTED_IN_ORDER)
    )


@pytest.mark.django_db
def test_relay_outbox_reports_a_broker_outage(use_broker):
    # given
    message_id = services.ledger_note(ledger_id="a", note="one")
    use_broker(f"redis://127.0.0.1:{free_port()}/0")
    # when
    with pytest.raises(CommandError) as error:
        run("relay_outbox")
    # then
    assert str(error.value) == "relay failed: the broker took 0 of 2 deliveries"
    # the message is in its stream, its deliveries wait for the broker (the sweep sends them)
    assert StreamMessage.objects.get(message_id=message_id).stream_position is not None
    assert set(Delivery.objects.filter(message_id=message_id).values_list("status", "sent_at")) == {
        ("pending", None)
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_relay_outbox_loop_relays_until_stopped(broker, settings, signum):
    # given
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    message_id = services.ledger_note(ledger_id="a", note="one")
    handlers_before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    stopper = threading.Timer(1.0, os.kill, (os.getpid(), signum))
    # when
    stopper.start()
    out, _ = run("relay_outbox", "--loop", "--interval", "0.05")
    # then
    assert out == (
        "relaying the outbox every 0.05s; Ctrl-C stops\nappended 1 outbox message to their streams\n"
        "stopped; appended 1 outbox message to their streams in all\n"
    )
    assert StreamMessage.objects.get(message_id=message_id).stream_position is not None
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers_before

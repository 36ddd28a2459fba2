"""The generic saga engine, driven through the real messaging path (outbox, relay, deliveries,
inbox) with the test saga of tests/kernelapp/saga.py: forward, failures at each step with the
compensations in reverse, a failing compensation, timeouts, duplicate, late and stray replies."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import Envelope, Succeeded
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from mallbots.kernel.sagas import engine
from mallbots.kernel.sagas.models import SagaInstance
from tests.kernel.messaging.helpers import append
from tests.kernelapp import services
from tests.kernelapp.models import HandledEffect
from tests.kernelapp.saga import TransferSaga

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def drive(rounds: int = 30) -> None:
    """What the relay and the workers do: append what waits, handle every open delivery of the
    test context, until nothing is left."""
    for _ in range(rounds):
        for row in StreamMessage.objects.filter(stream_position__isnull=True).order_by("position"):
            append(row)
        open_ = list(
            Delivery.objects.filter(status__in=Delivery.OPEN, handler__startswith="kerneltest.").order_by(
                "position"
            )
        )
        if not open_:
            return
        for delivery in open_:
            envelope = StreamMessage.objects.get(message_id=delivery.message_id).envelope()
            consumer.process(delivery.handler, envelope, delivery.seq, delivery.attempts)
    raise AssertionError("the saga never settled")


def run(plan: str = "") -> tuple[str, SagaInstance]:
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id, plan=plan)
    drive()
    return transfer_id, SagaInstance.objects.get(name=TransferSaga.name, saga_id=transfer_id)


def effects(transfer_id: str) -> list[tuple[str, str]]:
    return list(
        HandledEffect.objects.filter(key=transfer_id).order_by("created").values_list("handler", "value")
    )


def test_the_forward_path_runs_every_step_in_order_and_completes():
    transfer_id, saga = run()
    token = f"token-{transfer_id[:8]}"
    assert effects(transfer_id) == [
        ("commands", "reserved"),
        ("commands", f"charged {token}"),
        ("saga", "approved"),
    ]
    assert (saga.status, saga.step, saga.compensating, saga.data["token"]) == ("completed", 3, False, token)
    assert saga.finished_at is not None and saga.step_deadline is None
    assert not FailedDelivery.objects.exists()


def test_a_refusal_at_the_first_command_compensates_what_came_before_it():
    transfer_id, saga = run("fail-reserve")
    assert effects(transfer_id) == [("saga", "rejected: nothing to reserve")]
    assert (saga.status, saga.failure_reason) == ("compensated", "nothing to reserve")
    assert not FailedDelivery.objects.exists()  # a refusal is an answer, not a dead letter


def test_a_refusal_later_compensates_the_steps_done_in_reverse_and_undoes_the_refused_one():
    transfer_id, saga = run("fail-charge")
    # the refused charge left nothing behind (its handler was rolled back), and was not refunded
    assert effects(transfer_id) == [
        ("commands", "reserved"),
        ("commands", "released"),
        ("saga", "rejected: the card was declined"),
    ]
    assert (saga.status, saga.failure_reason) == ("compensated", "the card was declined")


def test_a_failing_local_step_compensates_every_command_before_it():
    transfer_id, saga = run("fail-approve")
    assert effects(transfer_id)[2:] == [
        ("commands", "refunded"),
        ("commands", "released"),
        ("saga", "rejected: the approval was refused"),
    ]
    assert (saga.status, saga.failure_reason) == ("compensated", "the approval was refused")


def test_a_failing_compensation_does_not_wedge_the_saga():
    # given a saga whose refund, a compensation, is refused
    transfer_id, saga = run("fail-approve fail-refund")
    # then the others still run, and the saga ends failed, saying which compensation failed
    assert effects(transfer_id)[2:] == [
        ("commands", "released"),
        ("saga", "rejected: the approval was refused"),
    ]
    assert saga.status == "failed"
    assert saga.compensation_failures == [{"step": "charge", "reason": "the refund was refused"}]


def test_a_step_without_a_reply_in_time_fails_and_its_own_compensation_runs():
    # given a saga whose reserve command was never handled
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id)
    saga = SagaInstance.objects.get(saga_id=transfer_id)
    assert saga.step_deadline is not None
    # when its deadline passes
    assert engine.time_out(now=saga.step_deadline + timedelta(seconds=1)) == 1
    drive()
    # then the reserve (which may still happen, and here does, late) is released, the transfer rejected,
    # and the late reply to the reserve changes nothing
    saga.refresh_from_db()
    assert (saga.status, saga.failure_reason) == ("compensated", "reserve: no reply in time")
    assert effects(transfer_id) == [
        ("commands", "reserved"),
        ("commands", "released"),
        ("saga", "rejected: reserve: no reply in time"),
    ]


def test_a_step_within_its_deadline_is_not_timed_out():
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id)
    assert engine.time_out(now=timezone.now()) == 0
    assert SagaInstance.objects.get(saga_id=transfer_id).status == "running"


def test_a_reply_delivered_twice_acts_once():
    # given a saga waiting for the reserve's reply
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id)
    for row in StreamMessage.objects.filter(stream_position__isnull=True):
        append(row)
    command = Delivery.objects.get(handler="kerneltest.reserve")
    consumer.process(
        command.handler, StreamMessage.objects.get(message_id=command.message_id).envelope(), command.seq
    )
    append(StreamMessage.objects.get(name=TransferSaga.reply_channel))
    [reply] = Delivery.objects.filter(handler="kerneltest.transfer_replies")
    envelope = StreamMessage.objects.get(message_id=reply.message_id).envelope()
    # when its reply comes twice
    outcomes = [consumer.process(reply.handler, envelope, reply.seq) for _ in range(2)]
    # then the saga moved on once: one charge command
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert StreamMessage.objects.filter(name="kerneltestapi.Charge").count() == 1


def test_a_reply_for_no_saga_or_a_finished_one_is_ignored(caplog):
    _, done = run()
    before = SagaInstance.objects.get(pk=done.pk)
    for saga_id in (done.saga_id, "no-such-saga"):
        envelope = Envelope(
            id=str(uuid.uuid4()), name=TransferSaga.reply_channel, version=1, partition_key=saga_id, position=0,
            correlation_id=saga_id, causation_id=None, occurred_at=timezone.now().isoformat(), producer="x",
            payload={}, metadata={"saga_id": saga_id, "saga_step": 1, "saga_compensating": False},
        )  # fmt: skip
        engine.handle_reply(TransferSaga, Succeeded(), envelope)
    after = SagaInstance.objects.get(pk=done.pk)
    assert (after.status, after.step, after.updated_at) == (before.status, before.step, before.updated_at)
    assert not SagaInstance.objects.filter(saga_id="no-such-saga").exists()
    assert "reply am.Success for no running saga, ignored" in caplog.text


def test_starting_a_saga_twice_with_one_id_runs_it_once():
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id)
    services.transfer_start(transfer_id=transfer_id)
    drive()
    assert SagaInstance.objects.filter(saga_id=transfer_id).count() == 1
    assert [v for _, v in effects(transfer_id)].count("reserved") == 1


def test_commands_and_replies_carry_the_sagas_correlation_and_where_to_answer():
    from mallbots.kernel.ddd import context

    transfer_id = str(uuid.uuid4())
    with context.use(correlation_id=f"order-{transfer_id}"):
        services.transfer_start(transfer_id=transfer_id)
    drive()
    messages = StreamMessage.objects.filter(correlation_id=f"order-{transfer_id}").order_by("position")
    commands = [m for m in messages if m.producer == "kerneltest.commands"]
    replies = [m for m in messages if m.producer == TransferSaga.reply_channel]
    assert [m.name for m in commands] == ["kerneltestapi.Reserve", "kerneltestapi.Charge"]
    assert commands[0].metadata["reply_channel"] == TransferSaga.reply_channel
    assert (commands[0].metadata["saga_id"], commands[0].metadata["saga_step"]) == (transfer_id, 1)
    assert [m.metadata["reply_type"] for m in replies] == ["kerneltestapi.Reserved", "am.Success"]
    assert replies[0].metadata["command_id"] == str(commands[0].message_id)


def test_a_step_timeout_far_below_the_recovery_time_is_flagged(settings):
    settings.SAGA_STEP_TIMEOUT_SECONDS = 5
    problems = engine.timeout_problems()
    assert any(p.startswith("kerneltest.Transfer: step reserve times out after 5 s") for p in problems)
    assert not any("step charge" in p for p in problems)  # it has its own, long timeout

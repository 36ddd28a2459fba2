"""The orchestrator: a saga is a list of steps; each step may have a forward action (a command
to send, or a local action run in the transaction), handlers of its success replies, and a
compensation (a command, or a local action). Forward on success; on a failure, backwards
through the compensations of the steps already done, the failed one excluded.

Each instance is a SagaInstance row, changed in the transaction that handles a reply (with the
reply's inbox record and the outbox row of the next command), so a saga survives any restart.
What the original orchestrator got wrong is fixed here:

- a failure while compensating does not wedge the saga: it is recorded and the compensation
  goes on with the steps before; the saga ends `failed` (staff look) instead of `compensated`;
- a saga whose remaining steps have nothing to run (no action forward, no compensation
  backwards) ends at once;
- every step has a deadline (`Step.timeout_seconds`, or SAGA_STEP_TIMEOUT_SECONDS): a reply
  that does not come in time fails the step, and its own compensation runs too (its command
  may still take effect, so compensations must be safe to run for what never happened).
  Deadlines must stay far above the messaging kernel's recovery time (a system check says so).

A reply for no saga, a finished saga, or a step the saga has left (a duplicate, a reply after
the deadline) changes nothing and is logged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mallbots.kernel.ddd import DomainError
from mallbots.kernel.ddd.serde import from_data, to_data
from mallbots.kernel.messaging.api import (
    Command,
    Envelope,
    Failed,
    Reply,
    recovery_seconds,
    send,
    subscribe_replies,
)
from mallbots.kernel.uow import ambient_context

from .models import SagaInstance

log = logging.getLogger(__name__)

D = TypeVar("D")

# A step's deadline against the messaging kernel's recovery time (a lost message is sent
# again within it): a saga must never fail because the infrastructure hiccupped.
TIMEOUT_MARGIN = 10


@dataclass(frozen=True)
class Step(Generic[D]):
    name: str
    action: Callable[[D], Command] | None = None  # the command to send forward
    local: Callable[[D], None] | None = None  # or a local action (a domain error fails the step)
    on_reply: Mapping[type[Reply], Callable[[D, Any], D]] = field(default_factory=dict)
    compensation: Callable[[D], Command] | None = None
    # or a local one, told why the saga failed
    local_compensation: Callable[[D, str], None] | None = None
    timeout_seconds: float | None = None

    def deadline(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.timeout_seconds or settings.SAGA_STEP_TIMEOUT_SECONDS)


class Saga(Generic[D]):
    """A saga definition. Subclasses set the class attributes and call `register()` once, in
    their AppConfig.ready(): that subscribes the reply handler."""

    name: ClassVar[str]
    reply_channel: ClassVar[str]
    queue: ClassVar[str]  # where its replies are handled
    data_type: ClassVar[type]
    steps: ClassVar[Sequence[Step[Any]]]

    @classmethod
    def timeout_reason(cls, step: Step[Any]) -> str:
        """Why the saga failed when `step`'s reply did not come in time."""
        return f"{step.name}: no reply in time"

    @classmethod
    def handler_name(cls) -> str:
        return f"{cls.queue}.{cls.reply_channel.rsplit('.', 2)[-2]}_replies"

    @classmethod
    def register(cls) -> None:
        _sagas[cls.name] = cls
        subscribe_replies(
            cls.reply_channel, lambda answer, envelope: handle_reply(cls, answer, envelope), name=cls.handler_name(),
            queue=cls.queue,
        )  # fmt: skip


_sagas: dict[str, type[Saga[Any]]] = {}


def registered() -> dict[str, type[Saga[Any]]]:
    return dict(_sagas)


def timeout_problems() -> list[str]:
    floor = TIMEOUT_MARGIN * recovery_seconds()
    problems = []
    for saga in _sagas.values():
        for step in saga.steps:
            timeout = step.timeout_seconds or settings.SAGA_STEP_TIMEOUT_SECONDS
            if (step.action or step.compensation) and timeout < floor:
                problems.append(
                    f"{saga.name}: step {step.name} times out after {timeout:g} s, less than {TIMEOUT_MARGIN} times "
                    f"the messaging kernel's recovery time ({recovery_seconds():g} s): a broker fault could fail it"
                )
    return problems


# --- Running ----------------------------------------------------------------------------


def start(saga: type[Saga[D]], saga_id: str, data: D) -> SagaInstance:
    """Start a saga in the caller's transaction (the one that decided it): its first command
    is written with it. A second start with the same id is the first one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a saga starts inside the transaction that decides it")
    instance, created = SagaInstance.objects.get_or_create(
        name=saga.name,
        saga_id=saga_id,
        defaults={"data": to_data(data), "correlation_id": ambient_context().correlation_id},
    )
    if created:
        _advance(saga, instance, data)
    return instance


def handle_reply(saga: type[Saga[D]], answer: Reply, envelope: Envelope) -> None:
    """A reply on the saga's channel, in its delivery's transaction."""
    meta = envelope.metadata
    instance = (
        SagaInstance.objects.select_for_update()
        .filter(name=saga.name, saga_id=meta.get("saga_id", ""))
        .first()
    )
    if instance is None or instance.status != SagaInstance.Status.RUNNING:
        log.info(
            "%s %s: reply %s for no running saga, ignored", saga.name, meta.get("saga_id"), answer.reply_name
        )
        return
    if (meta.get("saga_step"), meta.get("saga_compensating")) != (instance.step, instance.compensating):
        log.info(
            "%s %s: reply %s to a step it has left, ignored", saga.name, instance.saga_id, answer.reply_name
        )
        return
    data: Any = from_data(saga.data_type, instance.data)
    step = saga.steps[instance.step]
    if isinstance(answer, Failed):
        _failed(instance, step, answer.reason)
    else:
        handler = step.on_reply.get(type(answer))
        if handler is not None:
            data = handler(data, answer)
    _advance(saga, instance, data)


def time_out(now: datetime | None = None, limit: int = 100) -> int:
    """Fail the steps whose reply is late (the beat task `sagas.time_out`). Returns how many."""
    now = now or timezone.now()
    count = 0
    for _ in range(limit):
        with transaction.atomic():
            instance = (
                SagaInstance.objects.select_for_update(skip_locked=True)
                .filter(status=SagaInstance.Status.RUNNING, step_deadline__lt=now)
                .order_by("step_deadline")
                .first()
            )
            if instance is None:
                return count
            saga = _sagas.get(instance.name)
            if saga is None:  # defined by code this process does not run
                instance.step_deadline = now + timedelta(seconds=settings.SAGA_STEP_TIMEOUT_SECONDS)
                instance.save(update_fields=["step_deadline"])
                continue
            step = saga.steps[instance.step]
            reason = saga.timeout_reason(step)
            log.warning("%s %s: %s", saga.name, instance.saga_id, reason)
            if not instance.compensating:
                instance.step += 1  # the step's own compensation runs too: it may have taken effect
            _failed(instance, step, reason)
            _advance(saga, instance, from_data(saga.data_type, instance.data), now)
            count += 1
    return count


def _failed(instance: SagaInstance, step: Step[Any], reason: str) -> None:
    if instance.compensating:
        instance.compensation_failures = [
            *instance.compensation_failures,
            {"step": step.name, "reason": reason},
        ]
        log.error(
            "%s %s: the compensation of %s failed: %s", instance.name, instance.saga_id, step.name, reason
        )
    else:
        instance.compensating = True
        instance.failure_reason = reason


def _advance(saga: type[Saga[D]], instance: SagaInstance, data: D, now: datetime | None = None) -> None:
    """Run the steps from where the instance is, in its direction, until one waits for a
    reply or none is left; save the instance."""
    now = now or timezone.now()
    while True:
        index = instance.step - 1 if instance.compensating else instance.step + 1
        if not 0 <= index < len(saga.steps):
            _finish(instance, now)
            break
        instance.step = index
        step = saga.steps[index]
        command = _run(step, instance, data)
        if command is not None:
            send(
                command,
                reply_channel=saga.reply_channel,
                saga_id=instance.saga_id,
                saga_name=saga.name,
                step=index,
                compensating=instance.compensating,
            )
            instance.step_deadline = step.deadline(now)
            break
    instance.data = to_data(data)
    instance.updated_at = now
    instance.save()


def _run(step: Step[D], instance: SagaInstance, data: D) -> Command | None:
    """Run the step's part in the instance's direction: the command to send, or None when there
    is nothing to wait for (a local action done, or nothing to do)."""
    local: Callable[[], None] | None = None
    if instance.compensating:
        if step.compensation is not None:
            return step.compensation(data)
        if step.local_compensation is not None:
            compensate, reason = step.local_compensation, instance.failure_reason
            local = lambda: compensate(data, reason)  # noqa: E731
    else:
        if step.action is not None:
            return step.action(data)
        if step.local is not None:
            act = step.local
            local = lambda: act(data)  # noqa: E731
    if local is not None:
        try:
            with transaction.atomic():
                local()
        except DomainError as refusal:
            _failed(instance, step, refusal.message)
    return None


def _finish(instance: SagaInstance, now: datetime) -> None:
    if not instance.compensating:
        instance.status = SagaInstance.Status.COMPLETED
    elif instance.compensation_failures:
        instance.status = SagaInstance.Status.FAILED
    else:
        instance.status = SagaInstance.Status.COMPENSATED
    instance.step_deadline = None
    instance.finished_at = now

"""The command handlers of the test saga: each records what it did, and follows the plan."""

from __future__ import annotations

from mallbots.kernel.ddd import FailedPrecondition
from mallbots.kernel.messaging.api import Envelope, Reply

from . import contracts
from .models import HandledEffect


class Refused(FailedPrecondition):
    pass


def _slow(transfer_id: str) -> None:
    """Mark that the handler started (in Redis: outside the transaction), then take a while."""
    import time

    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).incr(f"kerneltest:charging:{transfer_id}")
    time.sleep(3)


def _did(what: str, transfer_id: str) -> None:
    HandledEffect.objects.create(handler="commands", key=transfer_id, value=what)


def reserve(command: contracts.Reserve, envelope: Envelope) -> Reply:
    if "fail-reserve" in command.plan:
        raise Refused("nothing to reserve")
    _did("reserved", command.transfer_id)
    return contracts.Reserved(token=f"token-{command.transfer_id[:8]}")


def release(command: contracts.Release, envelope: Envelope) -> None:
    _did("released", command.transfer_id)


def charge(command: contracts.Charge, envelope: Envelope) -> None:
    if "slow-charge" in command.plan:
        _slow(command.transfer_id)
    if "fail-charge" in command.plan:
        _did("half-charged", command.transfer_id)  # undone: a refusal rolls the handler back
        raise Refused("the card was declined")
    _did(f"charged {command.token}", command.transfer_id)


def refund(command: contracts.Refund, envelope: Envelope) -> None:
    if "fail-refund" in command.plan:
        raise Refused("the refund was refused")
    _did("refunded", command.transfer_id)

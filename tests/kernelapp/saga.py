"""A small saga of the kernel's tests, run by the generic engine: open, reserve, charge,
approve; compensations release, refund and close the transfer as rejected. The command handlers
(commands.py) follow each transfer's `plan`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mallbots.kernel.sagas.api import Saga, Step

from . import contracts
from .commands import Refused
from .models import HandledEffect


@dataclass(frozen=True)
class TransferData:
    transfer_id: str
    plan: str
    token: str = ""


def _effect(value: str, data: TransferData) -> None:
    HandledEffect.objects.create(handler="saga", key=data.transfer_id, value=value)


def _approve(data: TransferData) -> None:
    if "fail-approve" in data.plan:
        raise Refused("the approval was refused")
    _effect("approved", data)


def _reserved(data: TransferData, reply: contracts.Reserved) -> TransferData:
    return replace(data, token=reply.token)


class TransferSaga(Saga[TransferData]):
    name = "kerneltest.Transfer"
    reply_channel = "kerneltest.transfer.replies"
    queue = "kerneltest"
    data_type = TransferData
    steps = [
        Step("open", local_compensation=lambda d, reason: _effect(f"rejected: {reason}", d)),
        Step(
            "reserve",
            action=lambda d: contracts.Reserve(transfer_id=d.transfer_id, plan=d.plan),
            on_reply={contracts.Reserved: _reserved},
            compensation=lambda d: contracts.Release(transfer_id=d.transfer_id, plan=d.plan),
        ),
        Step(
            "charge",
            action=lambda d: contracts.Charge(transfer_id=d.transfer_id, token=d.token, plan=d.plan),
            compensation=lambda d: contracts.Refund(transfer_id=d.transfer_id, plan=d.plan),
            timeout_seconds=3600,
        ),
        Step("approve", local=_approve),
    ]

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mallbots.kernel.messaging.api import Command, IntegrationEvent, Reply


@dataclass(frozen=True)
class LedgerCredited(
    IntegrationEvent,
    name="kerneltestapi.LedgerCredited",
    producer="kerneltest",
    partition_by="ledger_id",
):
    ledger_id: str
    amount: Decimal
    entry: int  # 1 for the first credit of the ledger, 2 for the second, ...
    note: str = ""


@dataclass(frozen=True)
class LedgerClosed(
    IntegrationEvent, name="kerneltestapi.LedgerClosed", producer="kerneltest", partition_by="ledger_id"
):
    ledger_id: str


@dataclass(frozen=True)
class LedgerNoted(
    IntegrationEvent,
    name="kerneltestapi.LedgerNoted",
    producer="kerneltest",
    partition_by="ledger_id",
):
    """Test-only instructions to handlers: fail `fail_times` times (transiently or for good),
    or sleep, before recording the note."""

    ledger_id: str
    note: str
    fail_times: int = 0
    terminal: bool = False
    sleep_seconds: float = 0.0


@dataclass(frozen=True)
class LedgerAudited(
    IntegrationEvent,
    name="kerneltestapi.LedgerAudited",
    producer="kerneltest",
    partition_by="ledger_id",
):
    """Consumed only by the handlers that the streams tests add to a running system."""

    ledger_id: str
    entry: int


# --- Commands and replies of the test saga (tests/kernelapp/saga.py) --------------------------


@dataclass(frozen=True)
class Reserve(Command, name="kerneltestapi.Reserve", owner="kerneltest", partition_by="transfer_id"):
    """`plan` tells the handlers what to do: "fail-reserve", "fail-charge", "fail-refund", "silent-charge"."""

    transfer_id: str
    plan: str


@dataclass(frozen=True)
class Release(Command, name="kerneltestapi.Release", owner="kerneltest", partition_by="transfer_id"):
    transfer_id: str
    plan: str


@dataclass(frozen=True)
class Charge(Command, name="kerneltestapi.Charge", owner="kerneltest", partition_by="transfer_id"):
    transfer_id: str
    token: str
    plan: str


@dataclass(frozen=True)
class Refund(Command, name="kerneltestapi.Refund", owner="kerneltest", partition_by="transfer_id"):
    transfer_id: str
    plan: str


@dataclass(frozen=True)
class Reserved(Reply, name="kerneltestapi.Reserved", producer="kerneltest"):
    token: str

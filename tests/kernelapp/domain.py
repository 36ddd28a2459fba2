from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mallbots.kernel.ddd import (
    EventSourcedAggregate,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    upcaster,
    when,
)
from mallbots.kernel.ddd.events import DomainEvent


class LedgerNotFound(NotFound):
    default_message = "the ledger was not found"


@dataclass(frozen=True)
class LedgerOpened(DomainEvent, name="kerneltest.LedgerOpened", version=2):
    ledger_id: str
    name: str
    owner: str


@upcaster("kerneltest.LedgerOpened", from_version=1)
def _opened_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 called the name `title` and had no owner.
    data = dict(data)
    data["name"] = data.pop("title")
    data.setdefault("owner", "unknown")
    return data


@dataclass(frozen=True)
class LedgerCredited(DomainEvent, name="kerneltest.LedgerCredited"):
    ledger_id: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class LedgerClosed(DomainEvent, name="kerneltest.LedgerClosed"):
    ledger_id: str


class Ledger(EventSourcedAggregate):
    stream_type = "kerneltest.Ledger"
    snapshot_version = 1
    snapshot_fields = ("name", "owner", "balance", "entries", "closed")
    name: str
    owner: str
    balance: Decimal
    entries: int
    closed: bool

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.name = ""
        self.owner = ""
        self.balance = Decimal("0")
        self.entries = 0
        self.closed = False

    @classmethod
    def open(cls, id: str, name: str, owner: str = "mall") -> Ledger:
        if not name.strip():
            raise InvalidArgument("the ledger name cannot be blank")
        ledger = cls(id)
        ledger.record(LedgerOpened(ledger_id=id, name=name, owner=owner))
        return ledger

    def credit(self, amount: Decimal, note: str = "") -> None:
        if self.closed:
            raise FailedPrecondition("the ledger is closed")
        if amount <= 0:
            raise InvalidArgument("the amount must be positive")
        self.record(LedgerCredited(ledger_id=self.id, amount=amount, note=note))

    def close(self) -> None:
        if self.closed:
            raise FailedPrecondition("the ledger is already closed")
        self.record(LedgerClosed(ledger_id=self.id))

    @when(LedgerOpened)
    def _opened(self, event: LedgerOpened) -> None:
        self.name = event.name
        self.owner = event.owner

    @when(LedgerCredited)
    def _credited(self, event: LedgerCredited) -> None:
        self.balance += event.amount
        self.entries += 1

    @when(LedgerClosed)
    def _closed(self, event: LedgerClosed) -> None:
        self.closed = True

from __future__ import annotations

from decimal import Decimal

from mallbots.kernel.eventstore.api import AggregateRepository
from mallbots.kernel.uow import command

from .domain import Ledger, LedgerNotFound

ledgers = AggregateRepository(Ledger, not_found=LedgerNotFound)


@command
def ledger_open(*, ledger_id: str, name: str, owner: str = "mall") -> None:
    ledgers.save(Ledger.open(ledger_id, name, owner))


@command
def ledger_credit(*, ledger_id: str, amount: Decimal, note: str = "") -> None:
    ledger = ledgers.get(ledger_id)
    ledger.credit(amount, note)
    ledgers.save(ledger)


@command
def ledger_close(*, ledger_id: str) -> None:
    ledger = ledgers.get(ledger_id)
    ledger.close()
    ledgers.save(ledger)


@command
def ledger_note(
    *,
    ledger_id: str,
    note: str,
    fail_times: int = 0,
    terminal: bool = False,
    sleep_seconds: float = 0.0,
) -> str:
    """Publishes a LedgerNoted directly (no aggregate change): drives the handler-failure tests."""
    from mallbots.kernel.messaging.api import publish

    from .contracts import LedgerNoted

    return publish(
        LedgerNoted(
            ledger_id=ledger_id,
            note=note,
            fail_times=fail_times,
            terminal=terminal,
            sleep_seconds=sleep_seconds,
        )
    )


@command
def transfer_start(*, transfer_id: str, plan: str = "") -> None:
    """Starts the test saga (tests/kernelapp/saga.py)."""
    from mallbots.kernel.sagas.api import start

    from .saga import TransferData, TransferSaga

    start(TransferSaga, transfer_id, TransferData(transfer_id=transfer_id, plan=plan))

from __future__ import annotations

from mallbots.kernel.eventstore.api import Projection, handles
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts
from .domain import LedgerClosed, LedgerCredited, LedgerOpened
from .models import LedgerView


class LedgerProjection(Projection):
    name = "kerneltest.ledgers"
    stream_types = ("kerneltest.Ledger",)

    @handles(LedgerOpened)
    def opened(self, record: Recorded) -> None:
        event: LedgerOpened = record.event  # type: ignore[assignment]
        LedgerView.objects.create(
            id=event.ledger_id,
            name=event.name,
            owner=event.owner,
            balance=0,
            entries=0,
            version=record.version,
        )

    @handles(LedgerCredited)
    def credited(self, record: Recorded) -> None:
        from django.db.models import F

        event: LedgerCredited = record.event  # type: ignore[assignment]
        LedgerView.objects.filter(id=event.ledger_id).update(
            balance=F("balance") + event.amount,
            entries=F("entries") + 1,
            version=record.version,
        )

    @handles(LedgerClosed)
    def closed(self, record: Recorded) -> None:
        LedgerView.objects.filter(id=record.stream_id).update(closed=True, version=record.version)

    def forget(self, stream_type: str, stream_id: str) -> None:
        LedgerView.objects.filter(id=stream_id).delete()


@receiver(LedgerClosed)
def publish_ledger_closed(record: Recorded) -> None:
    publish(contracts.LedgerClosed(ledger_id=record.stream_id))


@receiver(LedgerCredited)
def publish_ledger_credited(record: Recorded) -> None:
    # Built from the event alone: receivers must not depend on each other's order.
    event: LedgerCredited = record.event  # type: ignore[assignment]
    publish(
        contracts.LedgerCredited(
            ledger_id=event.ledger_id,
            amount=event.amount,
            entry=record.version - 1,
            note=event.note,
        )
    )

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.payments import domain
from mallbots.kernel.uow import Recorded, domain_event

EVENT_TYPES = (
    domain.PaymentAuthorized,
    domain.PaymentConfirmed,
    domain.PaymentConfirmationFailed,
    domain.PaymentReleased,
    domain.InvoiceCreated,
    domain.InvoiceAdjusted,
    domain.InvoicePaid,
    domain.InvoiceCanceled,
)


@pytest.fixture(autouse=True)
def relay_off(settings) -> None:
    """The payments tests look at the outbox rows themselves (or deliver them by hand)."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


@pytest.fixture
def recorded() -> Iterator[list[Recorded]]:
    """Every payments domain event dispatched during the test, in order."""
    records: list[Recorded] = []

    def on_event(sender: type, record: Recorded, **kwargs: object) -> None:
        records.append(record)

    for event_type in EVENT_TYPES:
        domain_event.connect(on_event, sender=event_type, weak=False, dispatch_uid="tests.payments.recorded")
    yield records
    for event_type in EVENT_TYPES:
        domain_event.disconnect(sender=event_type, dispatch_uid="tests.payments.recorded")

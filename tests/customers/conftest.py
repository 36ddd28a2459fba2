from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.customers import domain
from mallbots.kernel.uow import Recorded, domain_event

EVENT_TYPES = (
    domain.CustomerRegistered,
    domain.CustomerSmsChanged,
    domain.CustomerEnabled,
    domain.CustomerDisabled,
    domain.CustomerAuthorized,
)


@pytest.fixture(autouse=True)
def relay_off(settings) -> None:
    """The customers tests look at the outbox rows themselves; nothing needs relaying."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


@pytest.fixture
def recorded() -> Iterator[list[Recorded]]:
    """Every customers domain event dispatched during the test, in order."""
    records: list[Recorded] = []

    def on_event(sender: type, record: Recorded, **kwargs: object) -> None:
        records.append(record)

    for event_type in EVENT_TYPES:
        domain_event.connect(on_event, sender=event_type, weak=False, dispatch_uid="tests.customers.recorded")
    yield records
    for event_type in EVENT_TYPES:
        domain_event.disconnect(sender=event_type, dispatch_uid="tests.customers.recorded")

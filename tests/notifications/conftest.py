from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.notifications.senders import MemorySender


@pytest.fixture(autouse=True)
def sms() -> Iterator[type[MemorySender]]:
    """The SMS this process sends during the test (the test settings select MemorySender)."""
    MemorySender.clear()
    yield MemorySender
    MemorySender.clear()


@pytest.fixture
def relay_off(settings) -> None:
    """The tests deliver the outbox rows themselves (consumer.process); nothing is relayed."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"

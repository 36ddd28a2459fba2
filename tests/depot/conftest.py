from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def relay_off(settings) -> None:
    """The depot tests look at the outbox rows and deliver them themselves; the worker tests
    override this fixture to have the relay send them."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"

from __future__ import annotations

import pytest

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from tests.search.helpers import FakeCustomers, FakeOrdering


@pytest.fixture(autouse=True)
def relay_off(settings) -> None:
    """The search tests drive the consuming side themselves; nothing needs relaying."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


@pytest.fixture
def customers_know(monkeypatch) -> FakeCustomers:
    """The customers context's `get_customer`, answering only the names the test gives it."""
    fake = FakeCustomers()
    monkeypatch.setattr(customers, "get_customer", fake.get_customer)
    return fake


@pytest.fixture
def ordering_has(monkeypatch):
    """`ordering_has(order_info, ...)`: the ordering context's open-host queries answer these
    orders (and no others)."""

    def install(*orders: ordering.OrderInfo) -> FakeOrdering:
        fake = FakeOrdering(list(orders))
        monkeypatch.setattr(ordering, "list_orders", fake.list_orders)
        monkeypatch.setattr(ordering, "get_order", fake.get_order)
        return fake

    return install

"""The depot's side of the contracts: what its handlers read is what the producers' contract
classes carry today (tests/test_contracts.py checks the same against each producer's own
examples, once every producer has them), and its subscriptions match its expectations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from apps.payments import contracts as payments
from apps.stores import contracts as stores
from mallbots.kernel.ddd.serde import to_data
from mallbots.kernel.messaging.registry import all_subscriptions
from tests.contract_testing import problems
from tests.depot.contract_expectations import EXPECTATIONS

pytestmark = pytest.mark.contract

ITEM = ordering.OrderItem(
    product_id="p-1",
    store_id="s-1",
    product_name="Scarf",
    store_name="Threads",
    price=Decimal("5.00"),
    quantity=2,
)
PRODUCERS_EVENTS = [
    ordering.OrderCreated(
        id="o-1", customer_id="c-1", payment_id="pay-1", shopping_id="", total=Decimal("10.00"), items=(ITEM,)
    ),
    customers.CustomerAuthorized(id="c-1", order_id="o-1"),
    payments.PaymentConfirmed(id="pay-1", order_id="o-1", amount=Decimal("10.00")),
    ordering.OrderRejected(
        id="o-1", customer_id="c-1", payment_id="pay-1", reason="the payment was not found"
    ),
    ordering.OrderCanceled(id="o-1", customer_id="c-1", payment_id="pay-1", shopping_id="l-1"),
    stores.StoreCreated(id="s-1", name="Threads", location="Level 1"),
    stores.StoreRebranded(id="s-1", name="Threads & Co"),
    stores.ProductAdded(
        id="p-1", store_id="s-1", name="Scarf", description="", sku="", price=Decimal("5.00")
    ),
    stores.ProductRebranded(id="p-1", name="Wool scarf", description=""),
    stores.ProductRemoved(id="p-1"),
]


@pytest.mark.parametrize("event", PRODUCERS_EVENTS, ids=[e.event_name for e in PRODUCERS_EVENTS])
def test_the_producers_contracts_carry_what_the_depot_reads(event):
    assert problems(to_data(event), EXPECTATIONS[event.event_name]) == []


def test_the_depot_states_expectations_for_exactly_the_events_it_consumes():
    consumed = {s.event_name for s in all_subscriptions() if s.name.startswith("depot.")}
    assert consumed == set(EXPECTATIONS) == {e.event_name for e in PRODUCERS_EVENTS}

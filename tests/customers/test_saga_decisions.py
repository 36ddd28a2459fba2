"""Customers' part in the create-order saga (step 2: may this customer order?), decided by its
domain and told by its receivers, with a fake bus at the contract edge: no database, broker or
worker. The same decisions against real workers are in tests/customers/test_saga.py."""

from __future__ import annotations

import pytest

from apps.customers import contracts, signals
from apps.customers.domain import Customer
from tests.fakes import FakeBus

pytestmark = pytest.mark.unit


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> FakeBus:
    return FakeBus().install(monkeypatch, signals)


def customer(*, enabled: bool = True) -> Customer:
    return Customer("c-1", "Ada", "+1 555 0100", enabled=enabled)


def test_an_enabled_customer_is_authorized_for_the_order(bus):
    # given
    ada = customer()
    # when
    ada.authorize_order("o-1")
    # then the saga's next step (the shopping list) is cued
    assert bus.settle(ada) == [contracts.CustomerAuthorized(id="c-1", order_id="o-1")]


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        (lambda: customer(enabled=False), "customer is not authorized"),
        (lambda: Customer.unknown("c-1"), "the customer was not found"),
    ],
    ids=["disabled", "unknown"],
)
def test_a_customer_who_may_not_order_fails_the_step_with_why(bus, who, reason):
    # given
    refused = who()
    # when
    refused.authorize_order("o-1")
    # then ordering hears the refusal (an outcome, not an error), and nothing is authorized
    assert bus.settle(refused) == [
        contracts.CustomerAuthorizationFailed(id="c-1", order_id="o-1", reason=reason)
    ]


def test_the_refusal_leaves_the_customer_as_it_was(bus):
    # given
    disabled = customer(enabled=False)
    # when
    disabled.authorize_order("o-1")
    bus.settle(disabled)
    # then a refusal changes no state: the customer may still be enabled and authorized later
    assert disabled.enabled is False
    disabled.enable()
    disabled.authorize_order("o-2")
    assert bus.settle(disabled)[-1] == contracts.CustomerAuthorized(id="c-1", order_id="o-2")


def test_an_authorization_that_is_for_no_order_is_not_a_saga_message(bus):
    # given
    ada = customer()
    # when the API's authorize (no order) succeeds
    ada.authorize()
    # then the saga hears nothing: only an order's authorization is integration news
    assert bus.settle(ada) == []

"""Payments' part in the choreographed create-order saga, decided by its domain and told by its
receivers, with a fake bus at the contract edge: no database, broker or worker. The same
decisions against real workers are in tests/saga."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.payments import contracts, signals
from apps.payments.domain import OrderCopy, Payment
from tests.fakes import FakeBus

pytestmark = pytest.mark.unit


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> FakeBus:
    return FakeBus().install(monkeypatch, signals)


def order(total: str = "30.00", customer_id: str = "c-1") -> OrderCopy:
    return OrderCopy("o-1", customer_id, "pay-1", Decimal(total))


def test_a_payment_that_covers_the_order_is_confirmed_for_it(bus):
    # given
    copy, payment = order(), Payment("pay-1", "c-1", Decimal("30.00"))
    # when
    copy.confirm_payment(payment)
    # then the saga's next step is cued, with the order's total
    assert bus.settle(copy, payment) == [
        contracts.PaymentConfirmed(id="pay-1", order_id="o-1", amount=Decimal("30.00"))
    ]


@pytest.mark.parametrize(
    ("payment", "reason"),
    [
        (None, "the payment was not found"),
        (Payment("pay-1", "c-2", Decimal("30.00")), "the payment belongs to another customer"),
        (Payment("pay-1", "c-1", Decimal("29.99")), "the payment is smaller than the order total"),
        (
            Payment("pay-1", "c-1", Decimal("30.00"), order_id="o-0"),
            "the payment was already used for another order",
        ),
    ],
)
def test_a_payment_that_cannot_pay_for_the_order_fails_the_step_with_why(bus, payment, reason):
    # given
    copy = order()
    # when
    copy.confirm_payment(payment)
    # then ordering hears the refusal, and nothing is confirmed
    published = bus.settle(copy, *([payment] if payment else []))
    assert published == [contracts.PaymentConfirmationFailed(id="pay-1", order_id="o-1", reason=reason)]


@pytest.mark.parametrize(
    ("close", "reason"), [("reject", "the order was rejected"), ("cancel", "the order was cancelled")]
)
def test_closing_an_order_after_its_confirmation_releases_the_payment(bus, close, reason):
    # given a confirmed payment
    copy, payment = order(), Payment("pay-1", "c-1", Decimal("30.00"))
    copy.confirm_payment(payment)
    bus.settle(copy, payment)
    # when the order is rejected or cancelled
    getattr(copy, close)(payment)
    # then the payment is free again, and the others are told why
    assert bus.settle(copy, payment) == [contracts.PaymentReleased(id="pay-1", order_id="o-1", reason=reason)]


def test_a_confirmation_that_comes_after_the_rejection_does_nothing(bus):
    # given a rejected order whose shopping list still arrives (a late message)
    copy, payment = order(), Payment("pay-1", "c-1", Decimal("30.00"))
    copy.reject()
    bus.settle(copy)
    # when
    copy.confirm_payment(payment)
    # then
    assert bus.settle(copy, payment) == []
    assert payment.order_id == ""

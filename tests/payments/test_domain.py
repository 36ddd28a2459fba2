"""The payments domain on its own: payments, invoices and the copy of an order that confirms
an order's payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.payments.domain import (
    Confirmation,
    Invoice,
    InvoiceAdjusted,
    InvoiceAmountNegative,
    InvoiceCanceled,
    InvoiceCannotBeAdjusted,
    InvoiceCannotBeCanceled,
    InvoiceCannotBePaid,
    InvoiceCreated,
    InvoicePaid,
    InvoiceStatus,
    OrderCopy,
    Payment,
    PaymentAlreadyUsed,
    PaymentAmountNotPositive,
    PaymentAuthorized,
    PaymentConfirmationFailed,
    PaymentConfirmed,
    PaymentOfAnotherCustomer,
    PaymentReleased,
    PaymentTooSmall,
)

pytestmark = pytest.mark.unit


def payment(amount: str = "50.00", customer_id: str = "c-1", order_id: str = "") -> Payment:
    return Payment("pay-1", customer_id, Decimal(amount), order_id)


def order(total: str = "50.00", customer_id: str = "c-1", **kwargs) -> OrderCopy:
    return OrderCopy("o-1", customer_id, "pay-1", Decimal(total), **kwargs)


def state(order: OrderCopy) -> tuple[Confirmation, str, bool]:
    return order.confirmation, order.failure_reason, order.canceled


# --- Payment ----------------------------------------------------------------------------------


def test_authorize_records_the_payment_rounded_to_cents():
    # when
    authorized = Payment.authorize("pay-1", "c-1", Decimal("19.999"))
    # then
    assert (authorized.customer_id, authorized.amount, authorized.order_id) == ("c-1", Decimal("20.00"), "")
    assert authorized.pending_events == (
        PaymentAuthorized(payment_id="pay-1", customer_id="c-1", amount=Decimal("20.00")),
    )


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00"])
def test_authorize_refuses_an_amount_that_is_not_positive(amount):
    with pytest.raises(PaymentAmountNotPositive) as raised:
        Payment.authorize("pay-1", "c-1", Decimal(amount))
    assert (raised.value.message, raised.value.code) == ("the payment amount must be positive", 3)


@pytest.mark.parametrize("total", ["50.00", "49.99", "0.01"])
def test_a_payment_is_confirmed_for_an_order_it_covers(total):
    # given
    p = payment("50.00")
    # when
    p.confirm_for(order_id="o-1", customer_id="c-1", total=Decimal(total))
    # then
    assert p.order_id == "o-1"
    assert p.pending_events == (PaymentConfirmed(payment_id="pay-1", order_id="o-1", amount=Decimal(total)),)


def test_confirming_a_payment_again_for_its_order_does_nothing():
    # given
    p = payment(order_id="o-1")
    # when
    p.confirm_for(order_id="o-1", customer_id="c-1", total=Decimal("50.00"))
    # then
    assert (p.order_id, p.pending_events) == ("o-1", ())


@pytest.mark.parametrize(
    ("p", "customer_id", "total", "error", "message"),
    [
        (payment(), "c-2", "10.00", PaymentOfAnotherCustomer, "the payment belongs to another customer"),
        (payment("50.00"), "c-1", "50.01", PaymentTooSmall, "the payment is smaller than the order total"),
        (
            payment(order_id="o-0"),
            "c-1",
            "10.00",
            PaymentAlreadyUsed,
            "the payment was already used for another order",
        ),
    ],
    ids=["another customer", "too small", "already used"],
)
def test_a_payment_is_refused_for_an_order_it_cannot_pay(p, customer_id, total, error, message):
    # given
    order_before = p.order_id
    # when
    with pytest.raises(error) as raised:
        p.confirm_for(order_id="o-1", customer_id=customer_id, total=Decimal(total))
    # then
    assert (raised.value.message, raised.value.code) == (message, 9)
    assert (p.order_id, p.pending_events) == (order_before, ())


# --- OrderCopy: confirming the order's payment -------------------------------------------------


def test_the_order_binds_a_payment_that_covers_it():
    # given
    o, p = order("42.50"), payment("50.00")
    # when
    o.confirm_payment(p)
    # then
    assert state(o) == (Confirmation.CONFIRMED, "", False)
    assert o.pending_events == ()
    assert p.order_id == "o-1"
    assert p.pending_events == (
        PaymentConfirmed(payment_id="pay-1", order_id="o-1", amount=Decimal("42.50")),
    )


@pytest.mark.parametrize(
    ("p", "reason"),
    [
        (None, "the payment was not found"),
        (payment(customer_id="c-2"), "the payment belongs to another customer"),
        (payment("42.49"), "the payment is smaller than the order total"),
        (payment(order_id="o-0"), "the payment was already used for another order"),
    ],
    ids=["unknown", "another customer", "too small", "already used"],
)
def test_the_order_records_why_its_payment_was_refused(p, reason):
    # given
    o = order("42.50")
    # when
    o.confirm_payment(p)
    # then
    assert state(o) == (Confirmation.FAILED, reason, False)
    assert o.pending_events == (PaymentConfirmationFailed(payment_id="pay-1", order_id="o-1", reason=reason),)
    if p is not None:
        assert p.pending_events == ()


@pytest.mark.parametrize(
    "settled",
    [
        {"confirmation": Confirmation.CONFIRMED},
        {"confirmation": Confirmation.FAILED, "failure_reason": "the payment was not found"},
        {"canceled": True},
    ],
    ids=["confirmed", "failed", "canceled"],
)
def test_an_order_confirmed_refused_or_canceled_confirms_nothing(settled):
    # given
    o, p = order(**settled), payment()
    before = state(o)
    # when
    o.confirm_payment(p)
    # then
    assert state(o) == before
    assert (o.pending_events, p.pending_events, p.order_id) == ((), (), "")
    assert o.awaits_confirmation is False


def test_canceling_the_order_stops_a_confirmation_to_come():
    # given
    o = order()
    # when
    o.cancel()
    # then
    assert state(o) == (Confirmation.AWAITING, "", True)
    assert o.awaits_confirmation is False


@pytest.mark.parametrize(
    ("close", "reason"), [("reject", "the order was rejected"), ("cancel", "the order was cancelled")]
)
def test_closing_the_order_after_the_confirmation_releases_its_payment(close, reason):
    # given
    o, p = order(), payment()
    o.confirm_payment(p)
    p.clear_events()
    # when
    getattr(o, close)(p)
    # then
    assert (o.confirmation, o.awaits_confirmation, p.order_id) == (Confirmation.RELEASED, False, "")
    assert p.pending_events == (PaymentReleased(payment_id=p.id, order_id=o.id, reason=reason),)
    assert o.pending_events == ()


def test_rejecting_the_order_before_the_confirmation_releases_nothing_and_stops_it():
    # given
    o, p = order(), payment()
    # when
    o.reject(p)
    o.confirm_payment(p)
    # then
    assert (state(o), o.rejected, p.order_id) == ((Confirmation.AWAITING, "", False), True, "")
    assert (o.pending_events, p.pending_events) == ((), ())


def test_a_payment_bound_to_another_order_is_not_released():
    # given
    p = payment(order_id="o-other")
    # when
    p.release(order_id="o-1", reason="the order was rejected")
    # then
    assert (p.order_id, p.pending_events) == ("o-other", ())


# --- Invoice ----------------------------------------------------------------------------------


def test_an_invoice_is_created_pending_with_the_order_id_as_its_id():
    # when
    invoice = Invoice.create("o-1", "pay-1", Decimal("42.5"))
    # then
    assert (invoice.id, invoice.order_id, invoice.payment_id, invoice.amount, invoice.status) == (
        "o-1",
        "o-1",
        "pay-1",
        Decimal("42.50"),
        InvoiceStatus.PENDING,
    )
    assert invoice.pending_events == (
        InvoiceCreated(invoice_id="o-1", order_id="o-1", payment_id="pay-1", amount=Decimal("42.50")),
    )


def test_an_invoice_cannot_have_a_negative_amount():
    with pytest.raises(InvoiceAmountNegative) as raised:
        Invoice.create("o-1", "pay-1", Decimal("-0.01"))
    assert (raised.value.message, raised.value.code) == ("the invoice amount cannot be negative", 3)


def invoice(status: InvoiceStatus = InvoiceStatus.PENDING) -> Invoice:
    return Invoice("o-1", "o-1", "pay-1", Decimal("42.50"), status)


def test_a_pending_invoice_is_adjusted_paid_and_canceled():
    # given
    adjusted, paid, canceled = invoice(), invoice(), invoice()
    # when
    adjusted.adjust(Decimal("40"))
    paid.pay()
    canceled.cancel()
    # then
    assert (adjusted.amount, adjusted.status) == (Decimal("40.00"), InvoiceStatus.PENDING)
    assert adjusted.pending_events == (
        InvoiceAdjusted(invoice_id="o-1", order_id="o-1", amount=Decimal("40.00")),
    )
    assert paid.status == InvoiceStatus.PAID
    assert paid.pending_events == (InvoicePaid(invoice_id="o-1", order_id="o-1", amount=Decimal("42.50")),)
    assert canceled.status == InvoiceStatus.CANCELED
    assert canceled.pending_events == (InvoiceCanceled(invoice_id="o-1", order_id="o-1"),)


def test_adjusting_to_the_same_amount_records_nothing():
    # given
    i = invoice()
    # when
    i.adjust(Decimal("42.50"))
    # then
    assert (i.amount, i.pending_events) == (Decimal("42.50"), ())


def test_adjusting_to_a_negative_amount_is_refused():
    # given
    i = invoice()
    # when
    with pytest.raises(InvoiceAmountNegative):
        i.adjust(Decimal("-1"))
    # then
    assert (i.amount, i.pending_events) == (Decimal("42.50"), ())


@pytest.mark.parametrize("status", [InvoiceStatus.PAID, InvoiceStatus.CANCELED])
@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (lambda i: i.pay(), InvoiceCannotBePaid, "invoice cannot be paid for"),
        (lambda i: i.cancel(), InvoiceCannotBeCanceled, "the invoice cannot be canceled"),
        (lambda i: i.adjust(Decimal("1")), InvoiceCannotBeAdjusted, "the invoice cannot be adjusted"),
    ],
    ids=["pay", "cancel", "adjust"],
)
def test_only_a_pending_invoice_is_paid_canceled_or_adjusted(status, command, error, message):
    # given
    i = invoice(status)
    # when
    with pytest.raises(error) as raised:
        command(i)
    # then
    assert (raised.value.message, raised.value.code) == (message, 9)
    assert (i.status, i.amount, i.pending_events) == (status, Decimal("42.50"), ())

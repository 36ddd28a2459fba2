"""Payments commands on real PostgreSQL: the rows, the domain events, the outbox rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.customers.contracts import CustomerInfo
from apps.ordering.contracts import OrderInfo
from apps.payments import services
from apps.payments.domain import (
    CustomerNotFound,
    InvoiceAmountNegative,
    InvoiceCannotBeAdjusted,
    InvoiceCannotBeCanceled,
    InvoiceCannotBePaid,
    InvoiceCreated,
    InvoiceNotFound,
    OrderNotFound,
    PaymentAmountNotPositive,
    PaymentAuthorized,
)
from apps.payments.models import CustomerCache, Invoice, OrderCopy, Payment
from mallbots.kernel.ddd import context
from mallbots.kernel.messaging.models import StreamMessage
from tests.payments.factories import (
    CachedCustomerFactory,
    InvoiceFactory,
    OrderCopyFactory,
    PaymentFactory,
    new_id,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def published() -> list[tuple[str, str, dict[str, object]]]:
    """(name, correlation id, payload) of every message the payments context published."""
    rows = StreamMessage.objects.filter(producer="payments").order_by("position")
    return [(m.name, m.correlation_id, m.payload) for m in rows]


def payment_row(payment_id: str) -> tuple[str, Decimal, str, int]:
    p = Payment.objects.get(pk=payment_id)
    return p.customer_id, p.amount, p.order_id, p.version


def copy_row(order_id: str) -> tuple[str, str, bool, int]:
    o = OrderCopy.objects.get(pk=order_id)
    return o.confirmation, o.failure_reason, o.canceled, o.version


def rejected(order_id: str) -> bool:
    return OrderCopy.objects.get(pk=order_id).rejected


def invoice_row(invoice_id: str) -> tuple[str, str, Decimal, str, int]:
    i = Invoice.objects.get(pk=invoice_id)
    return i.order_id, i.payment_id, i.amount, i.status, i.version


# --- authorize a payment ----------------------------------------------------------------------


def test_authorize_stores_the_payment_of_a_known_customer(recorded):
    # given
    customer = CachedCustomerFactory()
    # when
    payment_id = services.payment_authorize(customer_id=customer.id, amount=Decimal("99.95"))
    # then
    assert str(uuid.UUID(payment_id, version=4)) == payment_id
    assert payment_row(payment_id) == (customer.id, Decimal("99.95"), "", 1)
    assert [(r.event, r.stream_type, r.stream_id, r.version) for r in recorded] == [
        (
            PaymentAuthorized(payment_id=payment_id, customer_id=customer.id, amount=Decimal("99.95")),
            "payments.Payment",
            payment_id,
            1,
        )
    ]
    assert published() == []  # an authorization stays inside the context


def test_authorize_asks_the_customers_context_about_a_customer_not_cached_yet(monkeypatch):
    # given
    customer_id = new_id()
    asked: list[str] = []

    def get_customer(asked_id: str) -> CustomerInfo:
        asked.append(asked_id)
        return CustomerInfo(id=asked_id, name="Ada", sms_number="555-555-1212", enabled=True)

    monkeypatch.setattr(services.customers, "get_customer", get_customer)
    # when
    payment_id = services.payment_authorize(customer_id=customer_id, amount=Decimal("10.00"))
    services.payment_authorize(customer_id=customer_id, amount=Decimal("20.00"))
    # then
    assert asked == [customer_id]  # the second authorization found it cached
    assert payment_row(payment_id) == (customer_id, Decimal("10.00"), "", 1)
    assert CustomerCache.objects.get(pk=customer_id).name == "Ada"


@pytest.mark.parametrize("customer_id", [str(uuid.uuid4()), "not-a-uuid", ""])
def test_authorize_refuses_an_unknown_customer_and_stores_nothing(recorded, customer_id):
    # when
    with pytest.raises(CustomerNotFound) as raised:
        services.payment_authorize(customer_id=customer_id, amount=Decimal("10.00"))
    # then
    assert (raised.value.message, raised.value.code) == ("the customer was not found", 5)
    assert (Payment.objects.count(), CustomerCache.objects.count(), recorded) == (0, 0, [])


@pytest.mark.parametrize("amount", ["0", "-0.01", "-10"])
def test_authorize_refuses_an_amount_that_is_not_positive_and_stores_nothing(recorded, amount):
    # given
    customer = CachedCustomerFactory()
    # when
    with pytest.raises(PaymentAmountNotPositive) as raised:
        services.payment_authorize(customer_id=customer.id, amount=Decimal(amount))
    # then
    assert (raised.value.message, raised.value.code) == ("the payment amount must be positive", 3)
    assert (Payment.objects.count(), recorded, published()) == (0, [], [])


# --- confirm the order's payment (saga step 4) ---------------------------------------------------


def test_confirm_binds_the_payment_to_the_order_and_publishes_it():
    # given
    order = OrderCopyFactory(payment__amount=Decimal("50.00"), total=Decimal("42.50"))
    # when
    with context.use(correlation_id=order.order_id):
        services.payment_confirm_for_order(order_id=order.order_id)
    # then
    assert payment_row(order.payment_id) == (order.customer_id, Decimal("50.00"), order.order_id, 2)
    assert copy_row(order.order_id) == ("confirmed", "", False, 2)
    assert published() == [
        (
            "paymentsapi.PaymentConfirmed",
            order.order_id,
            {"id": order.payment_id, "order_id": order.order_id, "amount": "42.50"},
        )
    ]
    assert StreamMessage.objects.get().partition_key == order.order_id


def test_a_payment_of_exactly_the_total_is_confirmed():
    # given
    order = OrderCopyFactory(payment__amount=Decimal("42.50"), total=Decimal("42.50"))
    # when
    services.payment_confirm_for_order(order_id=order.order_id)
    # then
    assert copy_row(order.order_id)[0] == "confirmed"
    assert [name for name, _, _ in published()] == ["paymentsapi.PaymentConfirmed"]


def refusal_cases() -> list[tuple[str, dict[str, object], str]]:
    return [
        ("unknown payment", {"payment_id": "no-such-payment"}, "the payment was not found"),
        ("another customer", {"customer_id": "someone-else"}, "the payment belongs to another customer"),
        ("too small", {"total": Decimal("50.01")}, "the payment is smaller than the order total"),
    ]


@pytest.mark.parametrize(
    ("case", "order_kwargs", "reason"), refusal_cases(), ids=[c[0] for c in refusal_cases()]
)
def test_a_refused_payment_fails_the_step_with_the_reason_and_stays_unused(case, order_kwargs, reason):
    # given
    order = OrderCopyFactory(payment__amount=Decimal("50.00"), **order_kwargs)
    payments_before = list(Payment.objects.values_list("id", "order_id", "version"))
    # when
    with context.use(correlation_id=order.order_id):
        services.payment_confirm_for_order(order_id=order.order_id)
    # then
    assert copy_row(order.order_id) == ("failed", reason, False, 2)
    assert published() == [
        (
            "paymentsapi.PaymentConfirmationFailed",
            order.order_id,
            {"id": order.payment_id, "order_id": order.order_id, "reason": reason},
        )
    ]
    assert list(Payment.objects.values_list("id", "order_id", "version")) == payments_before


def test_a_payment_used_for_another_order_fails_the_step():
    # given
    first = OrderCopyFactory()
    services.payment_confirm_for_order(order_id=first.order_id)
    second = OrderCopyFactory(payment=Payment.objects.get(pk=first.payment_id))
    # when
    services.payment_confirm_for_order(order_id=second.order_id)
    # then
    assert payment_row(first.payment_id)[2:] == (first.order_id, 2)
    assert copy_row(second.order_id) == ("failed", "the payment was already used for another order", False, 2)
    assert [(name, payload["order_id"]) for name, _, payload in published()] == [
        ("paymentsapi.PaymentConfirmed", first.order_id),
        ("paymentsapi.PaymentConfirmationFailed", second.order_id),
    ]


@pytest.mark.parametrize("total", [Decimal("10.00"), Decimal("60.00")], ids=["confirmed", "refused"])
def test_a_second_confirmation_of_an_order_does_nothing(total):
    # given
    order = OrderCopyFactory(payment__amount=Decimal("50.00"), total=total)
    services.payment_confirm_for_order(order_id=order.order_id)
    before = (copy_row(order.order_id), payment_row(order.payment_id), published())
    # when
    services.payment_confirm_for_order(order_id=order.order_id)
    # then
    assert (copy_row(order.order_id), payment_row(order.payment_id), published()) == before


def test_the_payment_of_a_canceled_order_is_not_confirmed():
    # given
    order = OrderCopyFactory()
    services.order_cancel(order_id=order.order_id)
    # when
    services.payment_confirm_for_order(order_id=order.order_id)
    # then
    assert copy_row(order.order_id) == ("awaiting", "", True, 2)
    assert payment_row(order.payment_id)[2:] == ("", 1)
    assert published() == []


def test_the_payment_of_a_rejected_order_is_not_confirmed():
    # given
    order = OrderCopyFactory()
    services.order_reject(order_id=order.order_id)
    # when
    services.payment_confirm_for_order(order_id=order.order_id)
    # then
    assert (copy_row(order.order_id), rejected(order.order_id)) == (("awaiting", "", False, 2), True)
    assert payment_row(order.payment_id)[2:] == ("", 1)
    assert published() == []


@pytest.mark.parametrize(
    ("command", "reason"),
    [(services.order_reject, "the order was rejected"), (services.order_cancel, "the order was cancelled")],
    ids=["rejected", "cancelled"],
)
def test_a_payment_confirmed_before_the_order_was_rejected_or_cancelled_is_released(command, reason):
    # given
    order = OrderCopyFactory()
    services.payment_confirm_for_order(order_id=order.order_id)
    # when
    with context.use(correlation_id="c-release"):
        command(order_id=order.order_id)
    # then the payment is bound to no order again, and may pay for another one
    assert copy_row(order.order_id)[:2] == ("released", "")
    assert payment_row(order.payment_id)[2:] == ("", 3)
    assert published()[-1] == (
        "paymentsapi.PaymentReleased",
        order.order_id,
        {"id": order.payment_id, "order_id": order.order_id, "reason": reason},
    )
    other = OrderCopyFactory(payment=Payment.objects.get(pk=order.payment_id))
    services.payment_confirm_for_order(order_id=other.order_id)
    assert payment_row(order.payment_id)[2] == other.order_id


def test_rejecting_an_order_twice_releases_its_payment_once():
    # given
    order = OrderCopyFactory()
    services.payment_confirm_for_order(order_id=order.order_id)
    services.order_reject(order_id=order.order_id)
    before = (copy_row(order.order_id), payment_row(order.payment_id), published())
    # when
    services.order_reject(order_id=order.order_id)
    # then
    assert (copy_row(order.order_id), payment_row(order.payment_id), published()) == before


def test_rejecting_an_order_nobody_copied_does_nothing():
    # when
    services.order_reject(order_id=new_id())
    # then
    assert (OrderCopy.objects.count(), published()) == (0, [])


def test_confirm_does_nothing_for_an_order_the_ordering_context_says_is_rejected(monkeypatch):
    # given
    payment = PaymentFactory()
    order_id = new_id()
    info = order_info(order_id, payment.id, payment.customer_id, status="rejected")
    monkeypatch.setattr(services.ordering, "get_order", lambda asked: info)
    # when
    services.payment_confirm_for_order(order_id=order_id)
    # then
    assert (copy_row(order_id), rejected(order_id)) == (("awaiting", "", False, 1), True)
    assert payment_row(payment.id)[2] == ""
    assert published() == []


def order_info(order_id: str, payment_id: str, customer_id: str, status: str = "pending") -> OrderInfo:
    now = datetime.now(UTC)
    return OrderInfo(
        id=order_id,
        customer_id=customer_id,
        payment_id=payment_id,
        shopping_id="",
        invoice_id="",
        status=status,
        total=Decimal("30.00"),
        items=(),
        created_at=now,
        updated_at=now,
    )


def test_confirm_copies_an_order_it_never_heard_of_from_the_ordering_context(monkeypatch):
    # given
    payment = PaymentFactory(amount=Decimal("30.00"))
    order_id = new_id()
    info = order_info(order_id, payment.id, payment.customer_id)
    monkeypatch.setattr(services.ordering, "get_order", lambda asked: info if asked == order_id else None)
    # when
    services.payment_confirm_for_order(order_id=order_id)
    # then
    copy = OrderCopy.objects.get(pk=order_id)
    assert (copy.customer_id, copy.payment_id, copy.total) == (
        payment.customer_id,
        payment.id,
        Decimal("30.00"),
    )
    assert copy_row(order_id) == ("confirmed", "", False, 2)
    assert payment_row(payment.id)[2] == order_id
    assert [name for name, _, _ in published()] == ["paymentsapi.PaymentConfirmed"]


def test_confirm_does_nothing_for_an_order_the_ordering_context_says_is_cancelled(monkeypatch):
    # given
    payment = PaymentFactory()
    order_id = new_id()
    info = order_info(order_id, payment.id, payment.customer_id, status="cancelled")
    monkeypatch.setattr(services.ordering, "get_order", lambda asked: info)
    # when
    services.payment_confirm_for_order(order_id=order_id)
    # then
    assert copy_row(order_id) == ("awaiting", "", True, 1)
    assert payment_row(payment.id)[2] == ""
    assert published() == []


def test_confirm_for_an_order_nobody_knows_is_an_error_and_changes_nothing(monkeypatch):
    # given
    monkeypatch.setattr(services.ordering, "get_order", lambda asked: None)
    # when
    with pytest.raises(OrderNotFound) as raised:
        services.payment_confirm_for_order(order_id=new_id())
    # then
    assert raised.value.message == "the order was not found"
    assert (OrderCopy.objects.count(), published()) == (0, [])


# --- invoices -----------------------------------------------------------------------------------


def test_create_invoice_raises_a_pending_invoice_with_the_orders_payment(recorded):
    # given
    order = OrderCopyFactory(total=Decimal("42.50"))
    services.payment_confirm_for_order(order_id=order.order_id)
    recorded.clear()
    # when
    invoice_id = services.invoice_create(order_id=order.order_id, amount=Decimal("42.50"))
    # then
    assert invoice_id == order.order_id
    assert invoice_row(invoice_id) == (order.order_id, order.payment_id, Decimal("42.50"), "pending", 1)
    assert [(r.event, r.stream_type) for r in recorded] == [
        (
            InvoiceCreated(
                invoice_id=invoice_id,
                order_id=order.order_id,
                payment_id=order.payment_id,
                amount=Decimal("42.50"),
            ),
            "payments.Invoice",
        )
    ]
    assert [name for name, _, _ in published()] == ["paymentsapi.PaymentConfirmed"]


def test_create_invoice_twice_keeps_the_first():
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    # when
    services.invoice_create(order_id=invoice.order_id, amount=Decimal("99.00"))
    # then
    assert invoice_row(invoice.id)[2:] == (Decimal("42.50"), "pending", 1)
    assert Invoice.objects.count() == 1


def test_create_invoice_for_an_order_not_copied_names_no_payment():
    # given
    order_id = new_id()
    # when
    services.invoice_create(order_id=order_id, amount=Decimal("5.00"))
    # then
    assert invoice_row(order_id) == (order_id, "", Decimal("5.00"), "pending", 1)


def test_pay_marks_the_invoice_paid_and_publishes_it_under_the_order_id():
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    # when: started by a request, which has its own correlation id
    with context.use(correlation_id="request-7", causation_id="request-7", actor="kiosk-1"):
        services.invoice_pay(invoice_id=invoice.id)
    # then
    assert invoice_row(invoice.id)[2:] == (Decimal("42.50"), "paid", 2)
    message = StreamMessage.objects.get(name="paymentsapi.InvoicePaid")
    assert (message.partition_key, message.correlation_id, message.causation_id, message.metadata) == (
        invoice.order_id,
        invoice.order_id,
        "request-7",
        {"actor": "kiosk-1"},
    )
    assert message.payload == {"id": invoice.id, "order_id": invoice.order_id, "amount": "42.50"}


def test_cancel_marks_the_invoice_canceled_and_publishes_it_under_the_order_id():
    # given
    invoice = InvoiceFactory()
    # when
    with context.use(correlation_id="request-8"):
        services.invoice_cancel(invoice_id=invoice.id)
    # then
    assert invoice_row(invoice.id)[3:] == ("canceled", 2)
    message = StreamMessage.objects.get(name="paymentsapi.InvoiceCanceled")
    assert (message.correlation_id, message.payload) == (
        invoice.order_id,
        {"id": invoice.id, "order_id": invoice.order_id},
    )


def test_adjust_changes_the_amount_of_a_pending_invoice_without_publishing():
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    before = published()
    # when
    services.invoice_adjust(invoice_id=invoice.id, amount=Decimal("40.00"))
    # then
    assert invoice_row(invoice.id)[2:] == (Decimal("40.00"), "pending", 2)
    assert published() == before


def test_adjust_refuses_a_negative_amount():
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    # when
    with pytest.raises(InvoiceAmountNegative):
        services.invoice_adjust(invoice_id=invoice.id, amount=Decimal("-1.00"))
    # then
    assert invoice_row(invoice.id)[2:] == (Decimal("42.50"), "pending", 1)


@pytest.mark.parametrize("status", ["paid", "canceled"])
@pytest.mark.parametrize(
    ("command", "kwargs", "error", "message"),
    [
        (services.invoice_pay, {}, InvoiceCannotBePaid, "invoice cannot be paid for"),
        (services.invoice_cancel, {}, InvoiceCannotBeCanceled, "the invoice cannot be canceled"),
        (
            services.invoice_adjust,
            {"amount": Decimal("1.00")},
            InvoiceCannotBeAdjusted,
            "the invoice cannot be adjusted",
        ),
    ],
    ids=["pay", "cancel", "adjust"],
)
def test_only_a_pending_invoice_is_paid_canceled_or_adjusted(status, command, kwargs, error, message):
    # given
    invoice = InvoiceFactory(status=status)
    row_before, published_before = invoice_row(invoice.id), published()
    # when
    with pytest.raises(error) as raised:
        command(invoice_id=invoice.id, **kwargs)
    # then
    assert (raised.value.message, raised.value.code) == (message, 9)
    assert (invoice_row(invoice.id), published()) == (row_before, published_before)


@pytest.mark.parametrize(
    ("command", "kwargs"),
    [
        (services.invoice_pay, {}),
        (services.invoice_cancel, {}),
        (services.invoice_adjust, {"amount": Decimal("1")}),
    ],
    ids=["pay", "cancel", "adjust"],
)
def test_commands_on_an_unknown_invoice_answer_not_found(command, kwargs):
    with pytest.raises(InvoiceNotFound) as raised:
        command(invoice_id=new_id(), **kwargs)
    assert (raised.value.message, raised.value.code) == ("the invoice was not found", 5)
    assert published() == []


# --- a canceled order ---------------------------------------------------------------------------


def test_canceling_an_order_cancels_its_pending_invoice():
    # given
    invoice = InvoiceFactory()
    # when
    services.order_cancel(order_id=invoice.order_id)
    # then
    assert invoice_row(invoice.id)[3] == "canceled"
    assert copy_row(invoice.order_id)[2] is True
    assert published()[-1] == (
        "paymentsapi.InvoiceCanceled",
        invoice.order_id,
        {"id": invoice.id, "order_id": invoice.order_id},
    )


def test_canceling_an_order_without_an_invoice_only_stops_its_confirmation():
    # given
    order = OrderCopyFactory()
    # when
    services.order_cancel(order_id=order.order_id)
    # then
    assert copy_row(order.order_id) == ("awaiting", "", True, 2)
    assert (Invoice.objects.count(), published()) == (0, [])


def test_canceling_an_order_leaves_a_paid_invoice_paid():
    # given
    invoice = InvoiceFactory(status="paid")
    before = published()
    # when
    services.order_cancel(order_id=invoice.order_id)
    # then
    assert invoice_row(invoice.id)[3:] == ("paid", 2)
    assert published() == before


def test_canceling_an_order_nobody_copied_does_nothing():
    # when
    services.order_cancel(order_id=new_id())
    # then
    assert (OrderCopy.objects.count(), Invoice.objects.count(), published()) == (0, 0, [])


# --- caches -------------------------------------------------------------------------------------


def test_the_customer_cache_keeps_the_latest_name():
    # given
    customer_id = new_id()
    # when
    services.customer_cache_add(customer_id=customer_id, name="Ada")
    services.customer_cache_add(customer_id=customer_id, name="Ada Lovelace")
    # then
    assert list(CustomerCache.objects.values_list("id", "name")) == [(customer_id, "Ada Lovelace")]


def test_a_second_copy_of_an_order_keeps_the_first():
    # given
    order = OrderCopyFactory(total=Decimal("42.50"))
    services.payment_confirm_for_order(order_id=order.order_id)
    # when
    services.order_copy_add(order_id=order.order_id, customer_id="x", payment_id="y", total=Decimal("1.00"))
    # then
    copy = OrderCopy.objects.get(pk=order.order_id)
    assert (copy.customer_id, copy.payment_id, copy.total, copy.confirmation) == (
        order.customer_id,
        order.payment_id,
        Decimal("42.50"),
        "confirmed",
    )

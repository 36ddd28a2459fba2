"""Concurrent commands on one invoice or one payment: the row locks taken by the repository make
them run one after the other, each deciding on the state the previous one committed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pytest
from django.db import connections

from apps.payments import services
from apps.payments.models import Invoice, OrderCopy, Payment
from mallbots.kernel.ddd import DomainError
from mallbots.kernel.messaging.models import StreamMessage
from tests.payments.factories import InvoiceFactory, OrderCopyFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def race(commands: list[Callable[[], None]]) -> list[str]:
    """Run the commands at once, each in its own thread and connection; answer their outcomes."""
    start = threading.Barrier(len(commands))
    outcomes: list[str] = []

    def run(command: Callable[[], None]) -> None:
        try:
            start.wait(10)
            command()
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(command,)) for command in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_of_many_concurrent_payments_of_one_invoice_exactly_one_succeeds():
    # given
    invoice = InvoiceFactory()
    # when
    outcomes = race([partial(services.invoice_pay, invoice_id=invoice.id)] * 8)
    # then
    assert sorted(outcomes) == ["invoice cannot be paid for"] * 7 + ["ok"]
    assert Invoice.objects.values_list("status", "version").get(pk=invoice.id) == ("paid", 2)
    assert StreamMessage.objects.filter(name="paymentsapi.InvoicePaid").count() == 1


def test_paying_and_canceling_one_invoice_at_once_lets_exactly_one_win():
    # given
    invoice = InvoiceFactory()
    pay = partial(services.invoice_pay, invoice_id=invoice.id)
    cancel = partial(services.invoice_cancel, invoice_id=invoice.id)
    # when
    outcomes = race([pay, cancel] * 4)
    # then
    assert outcomes.count("ok") == 1
    status = Invoice.objects.get(pk=invoice.id).status
    losers = {"paid": "the invoice cannot be canceled", "canceled": "invoice cannot be paid for"}
    assert set(outcomes) - {"ok"} <= {"invoice cannot be paid for", "the invoice cannot be canceled"}
    assert outcomes.count(losers[status]) == 4
    assert list(
        StreamMessage.objects.filter(name__startswith="paymentsapi.Invoice").values_list("name", flat=True)
    ) == [{"paid": "paymentsapi.InvoicePaid", "canceled": "paymentsapi.InvoiceCanceled"}[status]]


def test_one_payment_confirmed_for_two_orders_at_once_goes_to_exactly_one():
    # given two orders of one customer naming the same payment
    first = OrderCopyFactory(payment__amount=Decimal("50.00"), total=Decimal("10.00"))
    payment = Payment.objects.get(pk=first.payment_id)
    second = OrderCopyFactory(payment=payment, total=Decimal("10.00"))
    # when
    race(
        [
            partial(services.payment_confirm_for_order, order_id=first.order_id),
            partial(services.payment_confirm_for_order, order_id=second.order_id),
        ]
    )
    # then
    winner = Payment.objects.get(pk=payment.id).order_id
    loser = second.order_id if winner == first.order_id else first.order_id
    assert winner in (first.order_id, second.order_id)
    assert dict(OrderCopy.objects.values_list("order_id", "confirmation")) == {
        winner: "confirmed",
        loser: "failed",
    }
    assert OrderCopy.objects.get(pk=loser).failure_reason == "the payment was already used for another order"
    assert sorted(StreamMessage.objects.values_list("name", "partition_key")) == [
        ("paymentsapi.PaymentConfirmationFailed", loser),
        ("paymentsapi.PaymentConfirmed", winner),
    ]

"""The rows of the state-stored aggregates of the payments context, one row each: the kernel's
`StateStoredRepository` loads them (row locked), saves them and dispatches the domain events
they recorded in the same transaction; this module maps rows to aggregates. Commands that lock
several rows lock them in one order: order copy, payment, invoice."""

from __future__ import annotations

from typing import Any

from mallbots.kernel.uow import StateStoredRepository

from . import models
from .domain import (
    Confirmation,
    Invoice,
    InvoiceNotFound,
    InvoiceStatus,
    OrderCopy,
    OrderNotFound,
    Payment,
    PaymentNotFound,
)


class PaymentRepository(StateStoredRepository[Payment]):
    model = models.Payment
    stream_type = Payment.stream_type
    not_found = PaymentNotFound

    def to_aggregate(self, row: models.Payment) -> Payment:
        return Payment(row.id, row.customer_id, row.amount, row.order_id)

    def state(self, payment: Payment) -> dict[str, Any]:
        return {"order_id": payment.order_id}

    def creation_state(self, payment: Payment) -> dict[str, Any]:
        return {"customer_id": payment.customer_id, "amount": payment.amount, "order_id": payment.order_id}


class InvoiceRepository(StateStoredRepository[Invoice]):
    model = models.Invoice
    stream_type = Invoice.stream_type
    not_found = InvoiceNotFound

    def to_aggregate(self, row: models.Invoice) -> Invoice:
        return Invoice(row.id, row.order_id, row.payment_id, row.amount, InvoiceStatus(row.status))

    def state(self, invoice: Invoice) -> dict[str, Any]:
        return {"amount": invoice.amount, "status": invoice.status.value}

    def creation_state(self, invoice: Invoice) -> dict[str, Any]:
        return {"order_id": invoice.order_id, "payment_id": invoice.payment_id, **self.state(invoice)}


class OrderCopyRepository(StateStoredRepository[OrderCopy]):
    model = models.OrderCopy
    stream_type = OrderCopy.stream_type
    not_found = OrderNotFound

    def to_aggregate(self, row: models.OrderCopy) -> OrderCopy:
        return OrderCopy(
            row.order_id,
            row.customer_id,
            row.payment_id,
            row.total,
            Confirmation(row.confirmation),
            row.failure_reason,
            row.canceled,
            row.rejected,
            row.orchestrated,
        )

    def state(self, order: OrderCopy) -> dict[str, Any]:
        return {
            "confirmation": order.confirmation.value,
            "failure_reason": order.failure_reason,
            "canceled": order.canceled,
            "rejected": order.rejected,
        }

    def creation_state(self, order: OrderCopy) -> dict[str, Any]:
        return {
            "customer_id": order.customer_id,
            "payment_id": order.payment_id,
            "total": order.total,
            "orchestrated": order.orchestrated,
            **self.state(order),
        }


payments = PaymentRepository()
invoices = InvoiceRepository()
orders = OrderCopyRepository()

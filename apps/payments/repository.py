"""Loads and saves the state-stored aggregates of the payments context, one row each, and
dispatches the domain events they recorded in the same transaction (the kernel's
`dispatch_events`). Loading for a command locks the row (`SELECT ... FOR UPDATE`), so concurrent
commands on one aggregate run one after the other, each on the state the previous one left.
Commands that lock several rows lock them in one order: order copy, payment, invoice."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from django.db.models import F, Model
from django.db.models.functions import Now

from mallbots.kernel.ddd import Aggregate, NotFound
from mallbots.kernel.uow import dispatch_events

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

A = TypeVar("A", bound=Aggregate)


class Repository(Generic[A]):
    model: ClassVar[type[Model]]
    stream_type: ClassVar[str]
    not_found: ClassVar[type[NotFound]]

    def to_aggregate(self, row: Any) -> A:
        raise NotImplementedError

    def state(self, aggregate: A) -> dict[str, Any]:
        """The row's columns that the aggregate's commands may change."""
        raise NotImplementedError

    def find_for_update(self, id: str) -> A | None:
        row: Any = self.model._default_manager.select_for_update().filter(pk=id).first()
        if row is None:
            return None
        aggregate = self.to_aggregate(row)
        aggregate.version = row.version
        return aggregate

    def get_for_update(self, id: str) -> A:
        aggregate = self.find_for_update(id)
        if aggregate is None:
            raise self.not_found()
        return aggregate

    def add(self, aggregate: A) -> None:
        """Insert a new aggregate, then dispatch its events."""
        self.model._default_manager.create(pk=aggregate.id, **self.creation_state(aggregate))
        self._dispatch(aggregate, version_before=0)
        aggregate.version = 1

    def creation_state(self, aggregate: A) -> dict[str, Any]:
        return self.state(aggregate)

    def save(self, aggregate: A) -> None:
        """Write the aggregate back when its state changed (bumping the version), then dispatch
        its events."""
        state = self.state(aggregate)
        version_before = aggregate.version
        changed = (
            self.model._default_manager.filter(pk=aggregate.id)
            .exclude(**state)
            .update(**state, version=F("version") + 1, updated_at=Now())
        )
        self._dispatch(aggregate, version_before=version_before)
        aggregate.version = version_before + changed

    def _dispatch(self, aggregate: A, *, version_before: int) -> None:
        events = aggregate.pending_events
        aggregate.clear_events()
        if events:
            dispatch_events(self.stream_type, aggregate.id, version_before, events)


class PaymentRepository(Repository[Payment]):
    model = models.Payment
    stream_type = Payment.stream_type
    not_found = PaymentNotFound

    def to_aggregate(self, row: models.Payment) -> Payment:
        return Payment(row.id, row.customer_id, row.amount, row.order_id)

    def state(self, payment: Payment) -> dict[str, Any]:
        return {"order_id": payment.order_id}

    def creation_state(self, payment: Payment) -> dict[str, Any]:
        return {"customer_id": payment.customer_id, "amount": payment.amount, "order_id": payment.order_id}


class InvoiceRepository(Repository[Invoice]):
    model = models.Invoice
    stream_type = Invoice.stream_type
    not_found = InvoiceNotFound

    def to_aggregate(self, row: models.Invoice) -> Invoice:
        return Invoice(row.id, row.order_id, row.payment_id, row.amount, InvoiceStatus(row.status))

    def state(self, invoice: Invoice) -> dict[str, Any]:
        return {"amount": invoice.amount, "status": invoice.status.value}

    def creation_state(self, invoice: Invoice) -> dict[str, Any]:
        return {"order_id": invoice.order_id, "payment_id": invoice.payment_id, **self.state(invoice)}


class OrderCopyRepository(Repository[OrderCopy]):
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

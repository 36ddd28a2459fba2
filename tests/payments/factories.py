"""Payments, invoices and cache entries made the way the system makes them: through the
services (for the caches, the services the handlers call), so rows, domain events and outbox
rows are all real. Each factory returns the row."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import factory

from apps.payments import selectors, services
from apps.payments.models import CustomerCache, Invoice, OrderCopy, Payment


def new_id() -> str:
    return str(uuid.uuid4())


class CachedCustomerFactory(factory.Factory):
    """A customer as the CustomerRegistered handler records it."""

    class Meta:
        model = CustomerCache

    id = factory.LazyFunction(new_id)
    name = factory.Sequence(lambda n: f"Customer {n:03d}")

    @classmethod
    def _create(cls, model_class: type[CustomerCache], id: str, name: str) -> CustomerCache:
        services.customer_cache_add(customer_id=id, name=name)
        return model_class.objects.get(id=id)


class PaymentFactory(factory.Factory):
    """A payment authorized by a (cached) customer."""

    class Meta:
        model = Payment

    customer = factory.SubFactory(CachedCustomerFactory)
    amount = Decimal("50.00")

    @classmethod
    def _create(cls, model_class: type[Payment], customer: CustomerCache, amount: Decimal) -> Payment:
        payment_id = services.payment_authorize(customer_id=customer.id, amount=amount)
        return selectors.payment_get(payment_id=payment_id)


class OrderCopyFactory(factory.Factory):
    """An order as the OrderCreated handler copies it; by default paid with a new payment that
    covers it."""

    class Meta:
        model = OrderCopy

    order_id = factory.LazyFunction(new_id)
    payment = factory.SubFactory(PaymentFactory)
    customer_id = factory.LazyAttribute(lambda o: o.payment.customer_id)
    payment_id = factory.LazyAttribute(lambda o: o.payment.id)
    total = Decimal("42.50")

    @classmethod
    def _create(cls, model_class: type[OrderCopy], **kwargs: Any) -> OrderCopy:
        services.order_copy_add(
            order_id=kwargs["order_id"],
            customer_id=kwargs["customer_id"],
            payment_id=kwargs["payment_id"],
            total=kwargs["total"],
        )
        return model_class.objects.get(order_id=kwargs["order_id"])


class InvoiceFactory(factory.Factory):
    """The invoice of a ready order whose payment was confirmed; `status` pays or cancels it."""

    class Meta:
        model = Invoice

    order = factory.SubFactory(OrderCopyFactory)
    amount = factory.LazyAttribute(lambda o: o.order.total)
    status = "pending"

    @classmethod
    def _create(cls, model_class: type[Invoice], order: OrderCopy, amount: Decimal, status: str) -> Invoice:
        services.payment_confirm_for_order(order_id=order.order_id)
        invoice_id = services.invoice_create(order_id=order.order_id, amount=amount)
        if status == "paid":
            services.invoice_pay(invoice_id=invoice_id)
        elif status == "canceled":
            services.invoice_cancel(invoice_id=invoice_id)
        return selectors.invoice_get(invoice_id=invoice_id)

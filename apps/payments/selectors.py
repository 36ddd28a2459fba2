"""Queries of the payments context (API, admin, and the commands' cache lookups)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from .domain import InvoiceNotFound, PaymentNotFound
from .models import CustomerCache, Invoice, OrderCopy, Payment


def payment_find(*, payment_id: str) -> Payment | None:
    return Payment.objects.filter(pk=payment_id).first()


def payment_get(*, payment_id: str) -> Payment:
    payment = payment_find(payment_id=payment_id)
    if payment is None:
        raise PaymentNotFound()
    return payment


def payment_list() -> QuerySet[Payment]:
    """Every payment, newest first, with its customer's name where it is known."""
    name = CustomerCache.objects.filter(id=OuterRef("customer_id")).values("name")[:1]
    return Payment.objects.annotate(customer_name=Subquery(name)).order_by("-created_at", "id")


def invoice_find(*, invoice_id: str) -> Invoice | None:
    return Invoice.objects.filter(pk=invoice_id).first()


def invoice_get(*, invoice_id: str) -> Invoice:
    invoice = invoice_find(invoice_id=invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def invoice_list() -> QuerySet[Invoice]:
    """Every invoice, newest first."""
    return Invoice.objects.order_by("-created_at", "id")


def customer_cache_find(*, customer_id: str) -> CustomerCache | None:
    return CustomerCache.objects.filter(pk=customer_id).first()


def order_copy_find(*, order_id: str) -> OrderCopy | None:
    return OrderCopy.objects.filter(pk=order_id).first()


def order_orchestrated(*, order_id: str) -> bool:
    """Whether the order's create-order saga is orchestrated (as its copy says)."""
    return OrderCopy.objects.filter(pk=order_id, orchestrated=True).exists()


def order_copy_list() -> QuerySet[OrderCopy]:
    return OrderCopy.objects.order_by("-created_at", "order_id")

"""Commands of the payments context: one transaction each; load (rows locked), one aggregate
method, save. Also the upkeep of the caches of customers and orders that the other contexts'
integration events feed. Every message about an order carries the order id as correlation id,
whoever started the command (API, admin or handler)."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.uow import command

from . import selectors
from .domain import (
    Confirmation,
    CustomerNotFound,
    Invoice,
    InvoiceStatus,
    OrderCopy,
    OrderNotFound,
    Payment,
    PaymentNotConfirmed,
)
from .models import CustomerCache
from .repository import invoices, orders, payments

logger = logging.getLogger(__name__)


# --- Payments -------------------------------------------------------------------------------


@command
def payment_authorize(*, customer_id: str, amount: Decimal) -> str:
    """Authorizes a future payment of `amount` by a known customer; returns the payment's id."""
    _locate_customer(customer_id)
    payment = Payment.authorize(str(uuid.uuid4()), customer_id, amount)
    payments.add(payment)
    return payment.id


@command
def payment_confirm_for_order(*, order_id: str) -> None:
    """Create-order saga, step 4 (docs/saga.md), once the order's shopping list exists: binds the
    order's payment to it (PaymentConfirmed), or publishes why not (PaymentConfirmationFailed).
    A refusal is an outcome of the saga, not an error of this command. Confirming an order a
    second time, or an order rejected or canceled meanwhile (a late message), does nothing."""
    order = orders.find_for_update(order_id) or _copy_order_from_ordering(order_id)
    if not order.awaits_confirmation:
        logger.info(
            "payment of order %s: %s, nothing to confirm",
            order_id,
            "order rejected"
            if order.rejected
            else "order canceled"
            if order.canceled
            else f"already {order.confirmation.value}",
        )
        return
    payment = payments.find_for_update(order.payment_id)
    order.confirm_payment(payment)
    if payment is not None:
        payments.save(payment)
    orders.save(order)


@command
def payment_confirm(*, order_id: str, customer_id: str, payment_id: str, amount: Decimal) -> None:
    """The orchestrated saga's step 4 (paymentsapi.ConfirmPayment): binds the order's payment
    to it with the same checks, or raises PaymentNotConfirmed with the reason (nothing kept:
    the saga's Failed reply says it). Reads the order's copy from OrderCreated; without one
    (handled in the same order group, it comes first), the command's own data. Confirming it
    again does nothing."""
    order = orders.find_for_update(order_id)
    if order is None:
        order = OrderCopy(order_id, customer_id, payment_id, amount, orchestrated=True)
        orders.add(order)
    if order.finished:
        raise PaymentNotConfirmed(f"the order was {'cancelled' if order.canceled else 'rejected'}")
    if order.holds_payment:
        logger.info("payment of order %s: already confirmed", order_id)
        return
    payment = payments.find_for_update(order.payment_id)
    order.confirm_payment(payment)
    if order.confirmation == Confirmation.FAILED:
        raise PaymentNotConfirmed(order.failure_reason)
    if payment is not None:
        payments.save(payment)
    orders.save(order)


# --- Invoices -------------------------------------------------------------------------------


@command
def invoice_create(*, order_id: str, amount: Decimal) -> str:
    """The invoice of a ready order: its id is the order id, it is pending and names the payment
    confirmed for the order. An order gets one invoice: creating it again does nothing."""
    if invoices.find_for_update(order_id) is not None:
        logger.info("invoice of order %s exists already, nothing to create", order_id)
        return order_id
    order = selectors.order_copy_find(order_id=order_id)
    invoice = Invoice.create(order_id, order.payment_id if order else "", amount)
    with message_context.use(correlation_id=order_id):
        invoices.add(invoice)
    return invoice.id


@command
def invoice_adjust(*, invoice_id: str, amount: Decimal) -> None:
    invoice = invoices.get_for_update(invoice_id)
    with message_context.use(correlation_id=invoice.order_id):
        invoice.adjust(amount)
        invoices.save(invoice)


@command
def invoice_pay(*, invoice_id: str) -> None:
    invoice = invoices.get_for_update(invoice_id)
    with message_context.use(correlation_id=invoice.order_id):
        invoice.pay()
        invoices.save(invoice)


@command
def invoice_cancel(*, invoice_id: str) -> None:
    invoice = invoices.get_for_update(invoice_id)
    with message_context.use(correlation_id=invoice.order_id):
        invoice.cancel()
        invoices.save(invoice)


# --- The copies of orders -------------------------------------------------------------------


@command
def order_copy_add(
    *, order_id: str, customer_id: str, payment_id: str, total: Decimal, orchestrated: bool = False
) -> None:
    """What confirming the order's payment will need (ordersapi.OrderCreated). A copy that exists
    already is kept as it is."""
    if orders.find_for_update(order_id) is not None:
        logger.info("order %s is copied already, nothing to add", order_id)
        return
    orders.add(OrderCopy(order_id, customer_id, payment_id, total, orchestrated=orchestrated))


@command
def order_reject(*, order_id: str) -> None:
    """The order was rejected (ordersapi.OrderRejected, create-order saga compensation): a
    confirmation of its payment still to come does nothing, and a payment confirmed before the
    rejection is released (PaymentReleased)."""
    order = orders.find_for_update(order_id)
    if order is None:
        logger.info("order %s rejected: not copied here, nothing to release", order_id)
        return
    payment = payments.find_for_update(order.payment_id) if order.holds_payment else None
    with message_context.use(correlation_id=order_id):
        order.reject(payment)
        orders.save(order)
        if payment is not None:
            payments.save(payment)


@command
def order_cancel(*, order_id: str) -> None:
    """The order was canceled (ordersapi.OrderCanceled): a confirmation of its payment still to
    come does nothing, a payment confirmed for it is released (PaymentReleased) unless its
    invoice is paid, and its pending invoice, if it has one, is canceled."""
    order = orders.find_for_update(order_id)
    payment = (
        payments.find_for_update(order.payment_id) if order is not None and order.holds_payment else None
    )
    invoice = invoices.find_for_update(order_id)  # the invoice id is the order id
    with message_context.use(correlation_id=order_id):
        if order is not None:
            order.cancel(None if invoice is not None and invoice.status == InvoiceStatus.PAID else payment)
            orders.save(order)
            if payment is not None:
                payments.save(payment)
        if invoice is None or invoice.status != InvoiceStatus.PENDING:
            logger.info("order %s canceled: no pending invoice to cancel", order_id)
            return
        invoice.cancel()
        invoices.save(invoice)


def _copy_order_from_ordering(order_id: str) -> OrderCopy:
    """On a miss (an order created before this context subscribed to orders), the ordering
    context's answer, copied."""
    info = ordering.get_order(order_id)
    if info is None:
        raise OrderNotFound()
    order = OrderCopy(
        order_id,
        info.customer_id,
        info.payment_id,
        info.total,
        canceled=info.status == "cancelled",
        rejected=info.status == "rejected",
    )
    orders.add(order)
    return order


# --- The cache of customers -----------------------------------------------------------------


def _customer_upsert(customer_id: str, *, name: str) -> CustomerCache:
    (customer,) = CustomerCache.objects.bulk_create(
        [CustomerCache(id=customer_id, name=name)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "updated_at"],
    )
    return customer


def _locate_customer(customer_id: str) -> CustomerCache:
    """The cached customer; on a miss, the customers context's answer, cached."""
    cached = selectors.customer_cache_find(customer_id=customer_id)
    if cached is not None:
        return cached
    info = customers.get_customer(customer_id)
    if info is None:
        raise CustomerNotFound()
    return _customer_upsert(customer_id, name=info.name)


@command
def customer_cache_add(*, customer_id: str, name: str) -> None:
    """A registered customer (customersapi.CustomerRegistered)."""
    _customer_upsert(customer_id, name=name)

"""Published language of the payments context. Saga events are keyed by the order id."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mallbots.kernel.messaging.api import Command, IntegrationEvent


@dataclass(frozen=True)
class PaymentConfirmed(
    IntegrationEvent, name="paymentsapi.PaymentConfirmed", producer="payments", partition_by="order_id"
):
    id: str  # the payment id
    order_id: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentConfirmationFailed(
    IntegrationEvent,
    name="paymentsapi.PaymentConfirmationFailed",
    producer="payments",
    partition_by="order_id",
):
    id: str  # the payment id
    order_id: str
    reason: str


@dataclass(frozen=True)
class PaymentReleased(
    IntegrationEvent,
    name="paymentsapi.PaymentReleased",
    version=1,
    producer="payments",
    partition_by="order_id",
):
    """Compensation: the payment confirmed for an order that was then rejected or cancelled is
    free again (bound to no order)."""

    id: str  # the payment id
    order_id: str
    reason: str  # "the order was rejected" or "the order was cancelled"


@dataclass(frozen=True)
class InvoicePaid(
    IntegrationEvent, name="paymentsapi.InvoicePaid", producer="payments", partition_by="order_id"
):
    id: str  # the invoice id, equal to the order id
    order_id: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceCanceled(
    IntegrationEvent, name="paymentsapi.InvoiceCanceled", producer="payments", partition_by="order_id"
):
    id: str
    order_id: str


# --- Commands (the orchestrated create-order saga, docs/saga.md) ------------------------------


@dataclass(frozen=True)
class ConfirmPayment(Command, name="paymentsapi.ConfirmPayment", owner="payments", partition_by="order_id"):
    """Bind the payment to the order, with the choreography's checks (the payment exists,
    belongs to the order's customer, covers the total): Succeeded, or Failed with the reason.
    Success also publishes PaymentConfirmed; a refusal records nothing."""

    order_id: str
    customer_id: str
    payment_id: str
    amount: Decimal


@dataclass(frozen=True)
class ReleasePayment(Command, name="paymentsapi.ReleasePayment", owner="payments", partition_by="order_id"):
    """Compensation: a payment confirmed for the order is free again (PaymentReleased), and
    no confirmation still to come binds it."""

    order_id: str

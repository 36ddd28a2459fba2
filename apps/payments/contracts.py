"""Published language of the payments context. Saga events are keyed by the order id."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mallbots.kernel.messaging.api import IntegrationEvent


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

"""Domain events of the payments context translated into its integration events (outbox, same
transaction). Each payload is built from the event alone. PaymentAuthorized, InvoiceCreated and
InvoiceAdjusted stay inside the context."""

from __future__ import annotations

from mallbots.kernel.messaging.api import publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts
from .domain import (
    InvoiceCanceled,
    InvoicePaid,
    PaymentConfirmationFailed,
    PaymentConfirmed,
    PaymentReleased,
)


@receiver(PaymentConfirmed)
def publish_payment_confirmed(record: Recorded[PaymentConfirmed]) -> None:
    event = record.event
    publish(contracts.PaymentConfirmed(id=event.payment_id, order_id=event.order_id, amount=event.amount))


@receiver(PaymentConfirmationFailed)
def publish_payment_confirmation_failed(record: Recorded[PaymentConfirmationFailed]) -> None:
    event = record.event
    publish(
        contracts.PaymentConfirmationFailed(id=event.payment_id, order_id=event.order_id, reason=event.reason)
    )


@receiver(PaymentReleased)
def publish_payment_released(record: Recorded[PaymentReleased]) -> None:
    event = record.event
    publish(contracts.PaymentReleased(id=event.payment_id, order_id=event.order_id, reason=event.reason))


@receiver(InvoicePaid)
def publish_invoice_paid(record: Recorded[InvoicePaid]) -> None:
    event = record.event
    publish(contracts.InvoicePaid(id=event.invoice_id, order_id=event.order_id, amount=event.amount))


@receiver(InvoiceCanceled)
def publish_invoice_canceled(record: Recorded[InvoiceCanceled]) -> None:
    event = record.event
    publish(contracts.InvoiceCanceled(id=event.invoice_id, order_id=event.order_id))

"""Domain events of the customers context translated into its integration events (outbox,
same transaction). Each payload is built from the event alone. CustomerAuthorized is
published only when it authorizes an order (the create-order saga)."""

from __future__ import annotations

from mallbots.kernel.messaging.api import metrics, publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts
from .domain import (
    CustomerAuthorizationRefused,
    CustomerAuthorized,
    CustomerDisabled,
    CustomerEnabled,
    CustomerRegistered,
    CustomerSmsChanged,
)


@receiver(CustomerRegistered)
def count_customer_registered(record: Recorded[CustomerRegistered]) -> None:
    metrics.count_on_commit(metrics.customers_registered)


@receiver(CustomerRegistered)
def publish_customer_registered(record: Recorded[CustomerRegistered]) -> None:
    event = record.event
    publish(contracts.CustomerRegistered(id=event.customer_id, name=event.name, sms_number=event.sms_number))


@receiver(CustomerSmsChanged)
def publish_customer_sms_changed(record: Recorded[CustomerSmsChanged]) -> None:
    event = record.event
    publish(contracts.CustomerSmsChanged(id=event.customer_id, sms_number=event.sms_number))


@receiver(CustomerEnabled)
def publish_customer_enabled(record: Recorded[CustomerEnabled]) -> None:
    event = record.event
    publish(contracts.CustomerEnabled(id=event.customer_id))


@receiver(CustomerDisabled)
def publish_customer_disabled(record: Recorded[CustomerDisabled]) -> None:
    event = record.event
    publish(contracts.CustomerDisabled(id=event.customer_id))


@receiver(CustomerAuthorized)
def publish_customer_authorized(record: Recorded[CustomerAuthorized]) -> None:
    event = record.event
    if event.order_id:
        publish(contracts.CustomerAuthorized(id=event.customer_id, order_id=event.order_id))


# --- Refusals of the create-order saga -----------------------------------------------------


@receiver(CustomerAuthorizationRefused)
def publish_customer_authorization_refused(record: Recorded[CustomerAuthorizationRefused]) -> None:
    event = record.event
    publish(
        contracts.CustomerAuthorizationFailed(
            id=event.customer_id, order_id=event.order_id, reason=event.reason
        )
    )

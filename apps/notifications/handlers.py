"""Consumers of the customers and ordering contexts' integration events, subscribed in apps.py
on the `notifications` queue: the customers' events keep the SMS numbers cache (order group
`notifications.customers`, keyed by customer id), the order events send the customer an SMS
(order group `notifications.orders`, keyed by order id, so one order's SMS go out in the
order its events were published). Each runs one service call."""

from __future__ import annotations

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import Envelope

from . import services


def on_customers_customer_registered(event: customers.CustomerRegistered, envelope: Envelope) -> None:
    services.customer_cache_add(customer_id=event.id, name=event.name, sms_number=event.sms_number)


def on_customers_customer_sms_changed(event: customers.CustomerSmsChanged, envelope: Envelope) -> None:
    services.customer_cache_change_sms(customer_id=event.id, sms_number=event.sms_number)


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    services.notification_send_order_created(
        order_id=event.id, customer_id=event.customer_id, total=event.total
    )


def on_ordering_order_rejected(event: ordering.OrderRejected, envelope: Envelope) -> None:
    services.notification_send_order_rejected(
        order_id=event.id, customer_id=event.customer_id, reason=event.reason
    )


def on_ordering_order_canceled(event: ordering.OrderCanceled, envelope: Envelope) -> None:
    services.notification_send_order_canceled(order_id=event.id, customer_id=event.customer_id)


def on_ordering_order_readied(event: ordering.OrderReadied, envelope: Envelope) -> None:
    services.notification_send_order_ready(
        order_id=event.id, customer_id=event.customer_id, total=event.total
    )


def on_ordering_order_completed(event: ordering.OrderCompleted, envelope: Envelope) -> None:
    services.notification_send_order_completed(order_id=event.id, customer_id=event.customer_id)

"""Consumers of the ordering and customers contexts' integration events: they keep one
searchable row per order and the customer names it shows. Subscribed in apps.py on the
`search` queue; the order handlers share the order group `search.orders` (one order's events
in publication order), the customer handler is alone in `search.customers`."""

from __future__ import annotations

from datetime import datetime

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import Envelope

from . import services
from .domain import OrderStatus


def _occurred_at(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.occurred_at)


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    services.search_order_add(
        order_id=event.id,
        customer_id=event.customer_id,
        items=services.order_lines(event.items),
        total=event.total,
        created_at=_occurred_at(envelope),
    )


def on_ordering_order_approved(event: ordering.OrderApproved, envelope: Envelope) -> None:
    services.search_order_change_status(order_id=event.id, status=OrderStatus.APPROVED)


def on_ordering_order_rejected(event: ordering.OrderRejected, envelope: Envelope) -> None:
    services.search_order_change_status(order_id=event.id, status=OrderStatus.REJECTED)


def on_ordering_order_in_progress(event: ordering.OrderInProgress, envelope: Envelope) -> None:
    services.search_order_change_status(order_id=event.id, status=OrderStatus.IN_PROGRESS)


def on_ordering_order_readied(event: ordering.OrderReadied, envelope: Envelope) -> None:
    services.search_order_change_status(order_id=event.id, status=OrderStatus.READY)


def on_ordering_order_canceled(event: ordering.OrderCanceled, envelope: Envelope) -> None:
    services.search_order_change_status(order_id=event.id, status=OrderStatus.CANCELLED)


def on_ordering_order_completed(event: ordering.OrderCompleted, envelope: Envelope) -> None:
    services.search_order_change_status(order_id=event.id, status=OrderStatus.COMPLETED)


def on_customers_customer_registered(event: customers.CustomerRegistered, envelope: Envelope) -> None:
    services.customer_cache_add(customer_id=event.id, name=event.name)

"""Consumers of other contexts' integration events."""

from __future__ import annotations

from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import Envelope

from . import services


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    """Create-order saga, step 2: authorize the order's customer."""
    services.customer_authorize_order(customer_id=event.customer_id, order_id=event.id)

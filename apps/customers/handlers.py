"""Consumers of other contexts' messages: the create-order saga's step 2 (docs/saga.md), as a
reaction to OrderCreated (choreography) or as the handler of AuthorizeCustomer (orchestration)."""

from __future__ import annotations

import logging

from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import Envelope

from . import contracts, services

logger = logging.getLogger(__name__)


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    """Create-order saga, step 2: authorize the order's customer. An orchestrated order's
    saga sends AuthorizeCustomer instead."""
    if event.orchestrated:
        logger.debug("order %s is orchestrated: its saga asks for the authorization", event.id)
        return
    services.customer_authorize_order(customer_id=event.customer_id, order_id=event.id)


def authorize_customer(command: contracts.AuthorizeCustomer, envelope: Envelope) -> None:
    """The orchestrated step 2: Succeeded, or (a refusal raised) Failed with its reason."""
    services.customer_authorize(customer_id=command.customer_id, order_id=command.order_id)

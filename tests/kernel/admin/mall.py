"""A realistic mall for the back office's tests: `seed_mall`, then orders through the
services with their messages handled (the outbox pumped through the consumer, as a worker
would), a dead letter and a projection run. Used by the every-page test and the browser tests."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

from django.core.management import call_command
from django.test import override_settings

from apps.baskets import services as baskets
from apps.baskets.models import ProductCache
from apps.customers.models import Customer
from apps.depot import services as depot
from apps.depot.models import Bot, ShoppingList
from apps.payments import services as payments
from apps.payments.models import Payment
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.models import StreamMessage
from tests.kernel.messaging.helpers import deliveries_of


def pump() -> None:
    """Handle every message waiting in the outbox, and what they cause, in log order."""
    while rows := list(StreamMessage.objects.filter(stream_position__isnull=True).order_by("position")):
        for row in rows:
            for handler, envelope, seq in deliveries_of(row):
                consumer.process(handler, envelope, seq)


def order(customer: Customer, *quantities: int, payment_id: str = "") -> str:
    """A checkout of the first products in these quantities, paid with the customer's seeded
    payment or the one given; its messages handled."""
    if not payment_id:
        payment = Payment.objects.filter(customer_id=customer.id).first()
        assert payment is not None
        payment_id = str(payment.id)
    basket_id = baskets.basket_start(customer_id=str(customer.id))
    for product, quantity in zip(ProductCache.objects.order_by("name"), quantities, strict=False):
        baskets.basket_add_item(basket_id=basket_id, product_id=str(product.id), quantity=quantity)
    baskets.basket_checkout(basket_id=basket_id, payment_id=payment_id)
    pump()
    return basket_id


def dead_letter() -> None:
    """A message of a schema version nobody knows: its handler gives up on it at once."""
    row = StreamMessage.objects.filter(name="ordersapi.OrderApproved").latest("position")
    handler, envelope, _ = deliveries_of(row)[0]
    consumer.process(handler, {**envelope, "id": str(uuid.uuid4()), "version": 99}, None)


def build_mall() -> dict[str, str]:
    """seed_mall's mall with a completed order, an approved one, an approved one whose saga was
    orchestrated, a rejected one and an open basket; snapshots (with EVENTSTORE_SNAPSHOT_EVERY
    low), a dead letter and a projection run.
    Staff commands run under the order's id as correlation id, as the admin runs them."""
    call_command("seed_mall", stores=2, customers=3, stdout=io.StringIO())
    pump()
    ada, bob, cy = Customer.objects.order_by("name")[:3]
    completed = order(ada, 1, 2)
    shopping = ShoppingList.objects.get(order_id=completed)
    with message_context.use(correlation_id=completed):
        depot.shopping_list_assign(
            shopping_list_id=str(shopping.id), bot_id=str(Bot.objects.order_by("name")[0].id)
        )
        depot.shopping_list_complete(shopping_list_id=str(shopping.id))
    pump()
    with message_context.use(correlation_id=completed):
        payments.invoice_pay(invoice_id=completed)
    pump()
    approved = order(bob, 1)
    with override_settings(MALLBOTS_SAGA="orchestration"):
        orchestrated = order(
            bob, 2, payment_id=payments.payment_authorize(customer_id=str(bob.id), amount=Decimal("100"))
        )
    rejected = order(cy, 500)
    open_basket = baskets.basket_start(customer_id=str(cy.id))
    dead_letter()
    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())
    return {
        "completed": completed,
        "approved": approved,
        "orchestrated": orchestrated,
        "rejected": rejected,
        "open": open_basket,
    }

"""Every admin page of every context renders with a realistic mall: `seed_mall`, then orders
through the services with their messages handled (the outbox pumped through the consumer, as a
worker would), then every changelist, one change page per model, and every action."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db.models import Model
from django.urls import reverse

from apps.baskets import services as baskets
from apps.baskets.models import ProductCache
from apps.customers.models import Customer
from apps.depot import services as depot
from apps.depot.models import Bot, ShoppingList
from apps.ordering.models import Order
from apps.payments import services as payments
from apps.payments.models import Payment
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.models import FailedDelivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


def pump() -> None:
    """Handle every message waiting in the outbox, and what they cause, in log order."""
    while rows := list(StreamMessage.objects.filter(stream_position__isnull=True).order_by("position")):
        for row in rows:
            for handler, envelope, seq in deliveries_of(row):
                consumer.process(handler, envelope, seq)


def order(customer: Customer, *quantities: int) -> str:
    payment = Payment.objects.filter(customer_id=customer.id).first()
    assert payment is not None
    basket_id = baskets.basket_start(customer_id=str(customer.id))
    for product, quantity in zip(ProductCache.objects.order_by("name"), quantities, strict=False):
        baskets.basket_add_item(basket_id=basket_id, product_id=str(product.id), quantity=quantity)
    baskets.basket_checkout(basket_id=basket_id, payment_id=str(payment.id))
    pump()
    return basket_id


def dead_letter() -> None:
    """A message of a schema version nobody knows: its handler gives up on it at once."""
    row = StreamMessage.objects.filter(name="ordersapi.OrderApproved").latest("position")
    handler, envelope, _ = deliveries_of(row)[0]
    consumer.process(handler, {**envelope, "id": str(uuid.uuid4()), "version": 99}, None)


@pytest.fixture
def mall(settings) -> dict[str, Any]:
    """seed_mall's mall with a completed order, an approved one, a rejected one and an open
    basket; snapshots, a dead letter and a projection run."""
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"default": 3}
    call_command("seed_mall", stores=2, customers=3, stdout=io.StringIO())
    pump()
    ada, bob, cy = Customer.objects.order_by("name")[:3]
    completed = order(ada, 1, 2)
    shopping = ShoppingList.objects.get(order_id=completed)
    depot.shopping_list_assign(
        shopping_list_id=str(shopping.id), bot_id=str(Bot.objects.order_by("name")[0].id)
    )
    depot.shopping_list_complete(shopping_list_id=str(shopping.id))
    pump()
    payments.invoice_pay(invoice_id=completed)
    pump()
    approved = order(bob, 1)
    rejected = order(cy, 500)
    open_basket = baskets.basket_start(customer_id=str(cy.id))
    dead_letter()
    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())
    return {"completed": completed, "approved": approved, "rejected": rejected, "open": open_basket}


def url_of(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_mall_has_orders_in_every_state_of_interest(mall):
    # given / when / then
    assert FailedDelivery.objects.count() == 1
    assert {
        mall[key]: Order.objects.get(id=mall[key]).status for key in ("completed", "approved", "rejected")
    } == {
        mall["completed"]: "completed",
        mall["approved"]: "approved",
        mall["rejected"]: "rejected",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label_lower)
def test_every_changelist_and_a_change_page_render(admin_client, mall, model):
    # given
    row = model._default_manager.order_by("pk").first()

    # when
    listed = admin_client.get(url_of(model, "changelist"))
    shown = admin_client.get(url_of(model, "change", row.pk)) if row is not None else None

    # then
    assert listed.status_code == 200
    assert row is not None or model._meta.label_lower == "authtoken.tokenproxy", "no row to show"
    assert shown is None or shown.status_code == 200


ACTIONS = [(model, name) for model in MODELS for name in (admin.site._registry[model].actions or ())]


@pytest.mark.parametrize(
    "model,action", ACTIONS, ids=lambda v: v if isinstance(v, str) else v._meta.label_lower
)
def test_every_action_answers_with_a_message_or_a_redirect(admin_client, mall, model, action):
    # given
    row = model._default_manager.order_by("pk").first()
    selected = [row.pk] if row is not None else []

    # when
    response = admin_client.post(
        url_of(model, "changelist"), {"action": action, "_selected_action": selected}
    )

    # then: a form of its own (assign), or the list again with what happened
    to_a_form = response.status_code == 302 and response.url != url_of(model, "changelist")
    assert response.status_code in {200, 302}
    assert to_a_form or [str(message) for message in get_messages(response.wsgi_request)] != []


def custom_views() -> list[tuple[type[Model], str]]:
    """The views a ModelAdmin adds to the standard ones: forms of commands, the stream browser."""
    views = []
    for model in MODELS:
        model_admin = admin.site._registry[model]
        standard = {pattern.name for pattern in admin.ModelAdmin.get_urls(model_admin)}
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        views += [
            (model, (pattern.name or "").removeprefix(prefix))
            for pattern in model_admin.get_urls()
            if pattern.name not in standard
        ]
    return views


@pytest.mark.parametrize(
    "model,view", custom_views(), ids=lambda v: v if isinstance(v, str) else v._meta.label_lower
)
def test_every_added_view_renders(admin_client, mall, model, view):
    # given
    pattern = next(p for p in admin.site._registry[model].get_urls() if (p.name or "").endswith(f"_{view}"))
    row = model._default_manager.order_by("pk").first()
    args = [row.pk] if "<" in str(pattern.pattern) else []

    # when
    response = admin_client.get(url_of(model, view, *args))

    # then
    assert response.status_code == 200

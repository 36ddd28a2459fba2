"""The depot's handlers run by a real Celery worker consuming the `depot` queue: the stores
caches follow the stores context's own services, and the depot's saga steps follow the events
the other order-side contexts publish (built from their contracts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers import contracts as customers
from apps.depot import services
from apps.depot.models import ProductCache, ShoppingList, StoreCache
from apps.ordering import contracts as ordering
from apps.payments import contracts as payments
from apps.stores import services as stores_services
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.conftest import wait_until
from tests.depot.factories import BotFactory, new_id
from tests.depot.helpers import bot_state, published

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def relay_off() -> None:
    """Overrides the suite's fixture: here the relay sends every committed message."""


def publish_as_producer(event: IntegrationEvent, order_id: str) -> None:
    with message_context.use(correlation_id=order_id), transaction.atomic():
        publish(event)


def product_row(product_id: str) -> tuple | None:
    return ProductCache.objects.filter(id=product_id).values_list("store_id", "name").first()


def list_status(order_id: str) -> str | None:
    return ShoppingList.objects.filter(order_id=order_id).values_list("status", flat=True).first()


def test_the_worker_keeps_the_caches_as_the_stores_context_changes(start_worker):
    # given
    start_worker("depot,messaging")
    store_id = stores_services.store_create(name="Threads", location="Level 1")
    product_id = stores_services.product_add(
        store_id=store_id, name="Shirt", description="Cotton", sku="S-1", price=Decimal("10.00")
    )
    # when
    stores_services.store_rebrand(store_id=store_id, name="Threads & Co")
    stores_services.product_rebrand(product_id=product_id, name="Blue shirt", description="Cotton")
    # then
    wait_until(lambda: product_row(product_id) == (store_id, "Blue shirt"))
    wait_until(lambda: StoreCache.objects.filter(id=store_id, name="Threads & Co").exists())
    assert StoreCache.objects.get(id=store_id).location == "Level 1"
    # when the product is removed
    stores_services.product_remove(product_id=product_id)
    # then
    wait_until(lambda: product_row(product_id) is None)
    assert Delivery.objects.filter(status="handled", handler__startswith="depot.").count() == 5
    assert not FailedDelivery.objects.exists()


def test_the_worker_runs_the_depot_steps_of_an_order_and_its_cancellation(start_worker):
    # given a product the depot caches, and an idle bot
    start_worker("depot,messaging")
    store_id = stores_services.store_create(name="Threads", location="Level 1")
    product_id = stores_services.product_add(
        store_id=store_id, name="Scarf", description="Wool", sku="W-1", price=Decimal("5.00")
    )
    wait_until(lambda: product_row(product_id) is not None)
    bot = BotFactory()
    order_id = new_id()
    item = ordering.OrderItem(
        product_id=product_id,
        store_id=store_id,
        product_name="Scarf",
        store_name="Threads",
        price=Decimal("5.00"),
        quantity=2,
    )
    # when the order is created, its customer authorized and its payment confirmed
    publish_as_producer(
        ordering.OrderCreated(
            id=order_id,
            customer_id="c-1",
            payment_id="p-1",
            shopping_id="",
            total=Decimal("10.00"),
            items=(item,),
        ),
        order_id,
    )
    publish_as_producer(customers.CustomerAuthorized(id="c-1", order_id=order_id), order_id)
    wait_until(lambda: list_status(order_id) == "pending")
    publish_as_producer(
        payments.PaymentConfirmed(id="p-1", order_id=order_id, amount=Decimal("10.00")), order_id
    )
    # then the list becomes available to bots
    wait_until(lambda: list_status(order_id) == "available")
    shopping_list = ShoppingList.objects.get(order_id=order_id)
    assert shopping_list.stops[0]["items"] == [
        {"product_id": product_id, "product_name": "Scarf", "quantity": 2}
    ]
    # when a bot takes it and the customer cancels the order
    with message_context.use(correlation_id=order_id):
        services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot.id)
    publish_as_producer(
        ordering.OrderCanceled(
            id=order_id, customer_id="c-1", payment_id="p-1", shopping_id=shopping_list.id
        ),
        order_id,
    )
    # then the list is canceled and the bot idle again
    wait_until(lambda: list_status(order_id) == "canceled")
    assert bot_state(bot.id)[:2] == ("idle", "")
    assert [name for name, _ in published(order_id)] == [
        "depotapi.ShoppingListCreated",
        "depotapi.ShoppingListInitiated",
        "depotapi.ShoppingListAssigned",
        "depotapi.ShoppingListCanceled",
    ]
    assert set(
        StreamMessage.objects.filter(producer="depot", partition_key=order_id).values_list(
            "correlation_id", flat=True
        )
    ) == {order_id}
    assert not FailedDelivery.objects.exists()

"""The stores caches, fed by the stores context's integration events through the real
consuming path (inbox, one order group per cache), with duplicates and reordering."""

from __future__ import annotations

import logging
import random
from decimal import Decimal

import pytest
from django.db import transaction

from apps.baskets import services
from apps.baskets.domain import ProductNotLocated, StoreNotLocated
from apps.baskets.models import ProductCache, StoreCache
from apps.stores import contracts as stores
from apps.stores import services as stores_services
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.baskets.factories import BasketFactory, new_id
from tests.kernel.messaging.helpers import deliveries_of, fanned_out
from tests.stores.factories import ProductFactory, StoreFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# event -> (handler, order group)
HANDLERS = {
    "storesapi.StoreCreated": ("baskets.on_stores_store_created", "baskets.store_cache"),
    "storesapi.StoreRebranded": ("baskets.on_stores_store_rebranded", "baskets.store_cache"),
    "storesapi.ProductAdded": ("baskets.on_stores_product_added", "baskets.product_cache"),
    "storesapi.ProductRebranded": ("baskets.on_stores_product_rebranded", "baskets.product_cache"),
    "storesapi.ProductPriceIncreased": (
        "baskets.on_stores_product_price_increased",
        "baskets.product_cache",
    ),
    "storesapi.ProductPriceDecreased": (
        "baskets.on_stores_product_price_decreased",
        "baskets.product_cache",
    ),
    "storesapi.ProductRemoved": ("baskets.on_stores_product_removed", "baskets.product_cache"),
}


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def publish_each(*events: stores.IntegrationEvent) -> None:
    """As the stores context publishes them: one command (transaction) per event."""
    for event in events:
        with transaction.atomic():
            publish(event)


def baskets_deliveries() -> list[tuple[str, dict, int | None]]:
    """(handler, envelope, seq) of every delivery of stores events to baskets handlers."""
    return [
        delivery
        for row in StreamMessage.objects.filter(producer="stores").order_by("position")
        for delivery in deliveries_of(row)
        if delivery[0].startswith("baskets.")
    ]


def deliver(deliveries) -> list[Outcome]:
    return [consumer.process(handler, envelope, seq) for handler, envelope, seq in deliveries]


def retry_held(delivery) -> Outcome:
    """What the wake-up or the retry sweep does for one held delivery."""
    handler, envelope, _ = delivery
    row = FailedDelivery.objects.get(handler=handler, message_id=envelope["id"], status="held")
    return consumer.process(row.handler, row.envelope(), row.seq, row.attempts + 1)


def drain_held() -> None:
    """What the retry sweep does, without waiting for backoffs."""
    for _ in range(100):
        held = list(FailedDelivery.objects.filter(status__in=["held", "retrying"]))
        if not held:
            return
        for row in held:
            consumer.process(row.handler, row.envelope(), row.seq, row.attempts + 1)
    raise AssertionError("held deliveries never drained")


def store_row(store_id: str) -> tuple:
    return StoreCache.objects.values_list("name", "location").get(id=store_id)


def product_row(product_id: str) -> tuple:
    return ProductCache.objects.values_list("store_id", "name", "price").get(id=product_id)


def test_every_handler_is_subscribed_on_the_baskets_queue_in_order():
    # given
    store_id, product_id = new_id(), new_id()
    # when
    publish_each(
        stores.StoreCreated(id=store_id, name="Threads", location="Level 1"),
        stores.StoreRebranded(id=store_id, name="Threads & Co"),
        stores.ProductAdded(
            id=product_id, store_id=store_id, name="Shirt", description="", sku="S1", price=Decimal("9.99")
        ),
        stores.ProductRebranded(id=product_id, name="Blue shirt", description=""),
        stores.ProductPriceIncreased(id=product_id, delta=Decimal("1.00"), price=Decimal("10.99")),
        stores.ProductPriceDecreased(id=product_id, delta=Decimal("-2.00"), price=Decimal("8.99")),
        stores.ProductRemoved(id=product_id),
    )
    # then
    rows = StreamMessage.objects.filter(producer="stores").order_by("position")
    assert [[d for d in fanned_out(row) if d["handler"].startswith("baskets.")] for row in rows] == [
        [
            {
                "handler": HANDLERS[row.name][0],
                "queue": "baskets",
                "sequence": HANDLERS[row.name][1],
                "seq": seq,
            }
        ]
        for row, seq in zip(rows, [1, 2, 1, 2, 3, 4, 5], strict=True)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_message_twice_and_shuffled_leaves_what_the_latest_events_say(seed):
    # given the history of two stores and three products
    store, other_store = new_id(), new_id()
    shirt, mug, hat = new_id(), new_id(), new_id()
    publish_each(
        stores.StoreCreated(id=store, name="Threads", location="Level 1"),
        stores.StoreCreated(id=other_store, name="Kitchen", location="Level 2"),
        stores.ProductAdded(
            id=shirt, store_id=store, name="Shirt", description="", sku="S1", price=Decimal("10.00")
        ),
        stores.ProductAdded(
            id=mug, store_id=other_store, name="Mug", description="", sku="M1", price=Decimal("4.00")
        ),
        stores.ProductPriceIncreased(id=shirt, delta=Decimal("5.00"), price=Decimal("15.00")),
        stores.ProductRebranded(id=shirt, name="Blue shirt", description=""),
        stores.StoreRebranded(id=store, name="Threads & Co"),
        stores.ProductAdded(
            id=hat, store_id=store, name="Hat", description="", sku="H1", price=Decimal("7.00")
        ),
        stores.ProductPriceDecreased(id=shirt, delta=Decimal("-3.00"), price=Decimal("12.00")),
        stores.ProductRemoved(id=hat),
        stores.ProductRebranded(id=shirt, name="Navy shirt", description=""),
        stores.ProductPriceIncreased(id=shirt, delta=Decimal("2.00"), price=Decimal("14.00")),
        stores.ProductPriceDecreased(id=mug, delta=Decimal("-0.50"), price=Decimal("3.50")),
        stores.StoreRebranded(id=store, name="Threads Outlet"),
    )
    deliveries = baskets_deliveries()
    assert len(deliveries) == 14
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when each delivery arrives twice, in random order
    outcomes = deliver(shuffled)
    drain_held()
    # then
    assert outcomes.count(Outcome.HANDLED) + outcomes.count(Outcome.HELD) >= 14
    assert Outcome.DUPLICATE in outcomes
    assert store_row(store) == ("Threads Outlet", "Level 1")
    assert store_row(other_store) == ("Kitchen", "Level 2")
    assert product_row(shirt) == (store, "Navy shirt", Decimal("14.00"))
    assert product_row(mug) == (other_store, "Mug", Decimal("3.50"))
    assert not ProductCache.objects.filter(id=hat).exists()
    assert Delivery.objects.filter(status="handled", handler__startswith="baskets.").count() == 14
    assert not FailedDelivery.objects.exists()


def test_a_price_change_delivered_before_its_product_added_is_held_and_applied_after_it():
    # given
    store, shirt = new_id(), new_id()
    publish_each(
        stores.StoreCreated(id=store, name="Threads", location="Level 1"),
        stores.ProductAdded(
            id=shirt, store_id=store, name="Shirt", description="", sku="S1", price=Decimal("10.00")
        ),
        stores.ProductPriceIncreased(id=shirt, delta=Decimal("5.00"), price=Decimal("15.00")),
    )
    created, added, increased = baskets_deliveries()
    # when the price change arrives first
    early = deliver([increased])
    cached_while_held = ProductCache.objects.filter(id=shirt).exists()
    then_added = deliver([created, added])
    cached_when_added = product_row(shirt)
    retried = retry_held(increased)
    # then it waited for ProductAdded, in the other handler of the group
    assert early == [Outcome.HELD]
    assert cached_while_held is False
    assert then_added == [Outcome.HANDLED, Outcome.HANDLED]
    assert cached_when_added == (store, "Shirt", Decimal("10.00"))
    assert retried == Outcome.HANDLED
    assert product_row(shirt) == (store, "Shirt", Decimal("15.00"))
    assert not FailedDelivery.objects.exists()


def test_a_removal_delivered_before_its_product_added_waits_for_it_then_deletes_the_row():
    # given
    store, hat = new_id(), new_id()
    publish_each(
        stores.StoreCreated(id=store, name="Threads", location="Level 1"),
        stores.ProductAdded(
            id=hat, store_id=store, name="Hat", description="", sku="H1", price=Decimal("7.00")
        ),
        stores.ProductRemoved(id=hat),
    )
    created, added, removed = baskets_deliveries()
    basket = BasketFactory()
    # when
    outcomes = deliver([created, removed, added])
    drain_held()
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HELD, Outcome.HANDLED]
    assert not ProductCache.objects.filter(id=hat).exists()
    with pytest.raises(ProductNotLocated):
        services.basket_add_item(basket_id=basket.id, product_id=hat, quantity=1)


def test_a_change_to_a_product_the_cache_does_not_hold_inserts_nothing(caplog):
    # given a product whose row is gone (the cache was purged)
    product_id = new_id()
    caplog.set_level(logging.DEBUG, logger="apps.baskets.services")
    # when
    services.product_cache_reprice(product_id=product_id, price=Decimal("15.00"))
    services.product_cache_rebrand(product_id=product_id, name="Blue shirt")
    # then
    assert not ProductCache.objects.exists()
    assert [r.getMessage() for r in caplog.records if r.name == "apps.baskets.services"] == [
        f"price change of product cache entry {product_id}: not cached, nothing to update",
        f"rebrand of product cache entry {product_id}: not cached, nothing to update",
    ]


def test_a_redelivered_message_is_handled_once():
    # given
    store = new_id()
    publish_each(stores.StoreCreated(id=store, name="Threads", location="Level 1"))
    [created] = baskets_deliveries()
    # when
    outcomes = deliver([created, created, created])
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert store_row(store) == ("Threads", "Level 1")
    assert Delivery.objects.filter(status="handled", handler="baskets.on_stores_store_created").count() == 1


# --- Fallback to the stores context on a cache miss ------------------------------------------


def test_add_item_on_a_cache_miss_asks_the_stores_context_and_caches_the_answer():
    # given a product the stores context has, whose events the baskets handlers have not seen
    store = StoreFactory()
    product = ProductFactory(store=store, price=Decimal("12.50"))
    basket = BasketFactory()
    assert not ProductCache.objects.exists() and not StoreCache.objects.exists()
    # when
    services.basket_add_item(basket_id=basket.id, product_id=product.id, quantity=2)
    # then
    assert product_row(product.id) == (store.id, product.name, Decimal("12.50"))
    assert store_row(store.id) == (store.name, store.location)
    item = services.baskets.get(basket.id).items[product.id]
    assert (item.store_name, item.product_name, item.price, item.quantity) == (
        store.name,
        product.name,
        Decimal("12.50"),
        2,
    )


def test_events_handled_after_a_fallback_keep_the_cache_current():
    # given a cache filled by a fallback while the product's events were still in flight
    store = StoreFactory()
    product = ProductFactory(store=store, price=Decimal("12.50"))
    services.basket_add_item(basket_id=BasketFactory().id, product_id=product.id, quantity=1)
    stores_services.product_increase_price(product_id=product.id, price=Decimal("13.00"))
    # when the events arrive, twice and in reverse order
    deliveries = baskets_deliveries()
    deliver(list(reversed(deliveries)) * 2)
    drain_held()
    # then
    assert product_row(product.id) == (store.id, product.name, Decimal("13.00"))
    assert store_row(store.id) == (store.name, store.location)
    assert not FailedDelivery.objects.exists()


def test_add_item_of_a_product_the_stores_context_does_not_know_is_not_found():
    # given
    basket = BasketFactory()
    # when
    with pytest.raises(ProductNotLocated) as caught:
        services.basket_add_item(basket_id=basket.id, product_id=new_id(), quantity=1)
    # then
    assert caught.value.message == "product fallback failed: product was not located"
    assert not ProductCache.objects.exists()
    assert len(services.baskets.get(basket.id).items) == 0


def test_add_item_of_a_product_removed_in_the_stores_context_is_not_found():
    # given
    product = ProductFactory()
    stores_services.product_remove(product_id=product.id)
    basket = BasketFactory()
    # when
    with pytest.raises(ProductNotLocated):
        services.basket_add_item(basket_id=basket.id, product_id=product.id, quantity=1)
    # then
    assert not ProductCache.objects.exists()


def test_add_item_asks_for_the_store_when_only_the_product_is_cached():
    # given
    store = StoreFactory()
    product_id = new_id()
    services.product_cache_add(product_id=product_id, store_id=store.id, name="Scarf", price=Decimal("20.00"))
    basket = BasketFactory()
    # when
    services.basket_add_item(basket_id=basket.id, product_id=product_id, quantity=1)
    # then
    assert store_row(store.id) == (store.name, store.location)
    assert services.baskets.get(basket.id).items[product_id].store_name == store.name


def test_add_item_of_a_product_whose_store_is_unknown_is_not_found():
    # given
    product_id = new_id()
    services.product_cache_add(product_id=product_id, store_id=new_id(), name="Scarf", price=Decimal("20.00"))
    basket = BasketFactory()
    # when
    with pytest.raises(StoreNotLocated) as caught:
        services.basket_add_item(basket_id=basket.id, product_id=product_id, quantity=1)
    # then
    assert (caught.value.code, caught.value.message) == (5, "store fallback failed: store was not located")
    assert not StoreCache.objects.exists()
    assert len(services.baskets.get(basket.id).items) == 0

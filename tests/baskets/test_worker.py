"""The baskets caches kept by a real Celery worker consuming the `baskets` queue, from events
the stores context publishes through its own services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.baskets import services
from apps.baskets.domain import ProductNotLocated
from apps.baskets.models import ProductCache, StoreCache
from apps.stores import services as stores_services
from mallbots.kernel.messaging.models import Delivery, FailedDelivery
from tests.baskets.factories import BasketFactory
from tests.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def product_row(product_id: str) -> tuple | None:
    return ProductCache.objects.filter(id=product_id).values_list("store_id", "name", "price").first()


def test_the_worker_keeps_the_caches_as_the_stores_context_changes(start_worker):
    # given
    start_worker("baskets,messaging")
    store_id = stores_services.store_create(name="Threads", location="Level 1")
    product_id = stores_services.product_add(
        store_id=store_id, name="Shirt", description="Cotton", sku="S-1", price=Decimal("10.00")
    )
    # when
    stores_services.store_rebrand(store_id=store_id, name="Threads & Co")
    stores_services.product_rebrand(product_id=product_id, name="Blue shirt", description="Cotton")
    stores_services.product_increase_price(product_id=product_id, price=Decimal("12.00"))
    stores_services.product_decrease_price(product_id=product_id, price=Decimal("11.50"))
    # then
    wait_until(lambda: product_row(product_id) == (store_id, "Blue shirt", Decimal("11.50")))
    wait_until(lambda: StoreCache.objects.filter(id=store_id, name="Threads & Co").exists())
    assert StoreCache.objects.get(id=store_id).location == "Level 1"
    assert Delivery.objects.filter(status="handled", handler__startswith="baskets.").count() == 6
    assert not FailedDelivery.objects.exists()


def test_a_product_removed_in_the_stores_context_can_no_longer_be_added(start_worker):
    # given
    start_worker("baskets,messaging")
    store_id = stores_services.store_create(name="Threads", location="Level 1")
    product_id = stores_services.product_add(
        store_id=store_id, name="Hat", description="Wool", sku="H-1", price=Decimal("7.00")
    )
    wait_until(lambda: product_row(product_id) is not None)
    basket = BasketFactory()
    # when
    stores_services.product_remove(product_id=product_id)
    wait_until(lambda: product_row(product_id) is None)
    # then
    with pytest.raises(ProductNotLocated):
        services.basket_add_item(basket_id=basket.id, product_id=product_id, quantity=1)

"""Read models stay equal to the event store: rebuilt by `rebuild_projections`, and under
concurrent price changes."""

from __future__ import annotations

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from apps.stores import services
from apps.stores.domain import Product as ProductAggregate
from apps.stores.models import Product, Store
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from tests.stores.factories import ProductFactory, StoreFactory

pytestmark = pytest.mark.integration


def stores_table() -> list[tuple]:
    return list(Store.objects.order_by("id").values_list("id", "name", "location", "participating"))


def products_table() -> list[tuple]:
    return list(
        Product.objects.order_by("id").values_list("id", "store_id", "name", "description", "sku", "price")
    )


@pytest.mark.django_db
def test_rebuilding_the_projections_gives_the_live_read_models_back():
    # given stores and products with every kind of history
    books = StoreFactory(name="Books", participating=True)
    shoes = StoreFactory(name="Shoes")
    services.store_rebrand(store_id=shoes.id, name="Shoes & Bags")
    services.store_enable_participation(store_id=shoes.id)
    services.store_disable_participation(store_id=shoes.id)
    novel = ProductFactory(store=books, price=Decimal("10.00"))
    services.product_increase_price(product_id=novel.id, price=Decimal("12.00"))
    services.product_rebrand(product_id=novel.id, name="Novel", description="Signed")
    boots = ProductFactory(store=shoes, price=Decimal("80.00"))
    services.product_decrease_price(product_id=boots.id, price=Decimal("59.99"))
    gone = ProductFactory(store=shoes)
    services.product_remove(product_id=gone.id)
    live = (stores_table(), products_table())
    # and read models that drifted: a lost row, a corrupted one, a removed product back
    Store.objects.filter(id=books.id).delete()
    Store.objects.filter(id=shoes.id).update(name="wrong", participating=True)
    Product.objects.filter(id=novel.id).update(price=Decimal("0.01"))
    Product.objects.create(id=gone.id, store_id=shoes.id, name="zombie", price=Decimal("1"))
    # when
    out = StringIO()
    call_command("rebuild_projections", "stores.stores", "stores.products", "--no-progress", stdout=out)
    # then
    assert (stores_table(), products_table()) == live
    assert len(live[0]) == 2 and len(live[1]) == 2
    # and running it again changes nothing
    call_command("rebuild_projections", "stores.stores", "stores.products", "--no-progress", stdout=out)
    assert (stores_table(), products_table()) == live


def _race(product_id: str, changes: list[tuple[str, Decimal]]) -> list[BaseException | None]:
    """Run one price change per entry in parallel threads, all loading the product before any
    saves (the pattern of tests/kernel/eventstore/test_store.py)."""
    barrier = threading.Barrier(len(changes))
    results: list[BaseException | None] = [None] * len(changes)
    original_get = services.products.get
    first_load = threading.local()

    def get_then_wait(id: str) -> ProductAggregate:
        product = original_get(id)
        if not getattr(first_load, "done", False):
            first_load.done = True
            barrier.wait(5)  # everyone has loaded the same version before anyone saves
        return product

    def run(index: int) -> None:
        command, price = changes[index]
        try:
            getattr(services, command)(product_id=product_id, price=price)
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    services.products.get = get_then_wait  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(changes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        services.products.get = original_get  # type: ignore[method-assign]
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_price_changes_on_one_product_lose_no_update(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 3
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    product = ProductFactory(price=Decimal("10.00"))
    # when an increase and a decrease load version 1 and save at the same time
    results = _race(
        product.id,
        [("product_increase_price", Decimal("12.00")), ("product_decrease_price", Decimal("8.00"))],
    )
    # then the loser retried on fresh state: both changes are in, in some order
    assert results == [None, None]
    changes = list(
        Event.objects.filter(stream_id=product.id, version__gt=1)
        .order_by("version")
        .values_list("version", "data")
    )
    assert [version for version, _ in changes] == [2, 3]
    prices = [Decimal("10.00")] + [Decimal(data["price"]) for _, data in changes]
    assert sorted(prices[1:]) == [Decimal("8.00"), Decimal("12.00")]
    # every delta is measured from the price the other change left, so none is lost
    assert [Decimal(data["delta"]) for _, data in changes] == [prices[1] - prices[0], prices[2] - prices[1]]
    final = prices[2]
    assert services.products.get(product.id).price == final
    assert Product.objects.get(id=product.id).price == final
    published = StreamMessage.objects.filter(partition_key=product.id).order_by("position")
    assert [Decimal(m.payload["price"]) for m in published][1:] == prices[1:]


@pytest.mark.django_db(transaction=True)
def test_concurrent_price_changes_without_retries_the_loser_gets_conflict(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 1
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    product = ProductFactory(price=Decimal("10.00"))
    # when
    results = _race(
        product.id,
        [("product_increase_price", Decimal("12.00")), ("product_increase_price", Decimal("15.00"))],
    )
    # then exactly one won and the read model shows the winner's price
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    winner = Decimal("12.00") if results[0] is None else Decimal("15.00")
    assert Event.objects.filter(stream_id=product.id).count() == 2
    assert Product.objects.get(id=product.id).price == winner
    assert StreamMessage.objects.filter(partition_key=product.id).count() == 2

"""The basket's commands on real PostgreSQL: events, read model, outbox, failures."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connections

from apps.baskets import services
from apps.baskets.domain import (
    BasketCannotBeCancelled,
    BasketCannotBeModified,
    BasketHasNoItems,
    BasketNotFound,
    CustomerIdCannotBeBlank,
    PaymentIdCannotBeBlank,
    ProductNotInBasket,
    ProductNotLocated,
    QuantityTooSmall,
)
from apps.baskets.models import Basket, StoreCache
from mallbots.kernel.ddd import Conflict
from mallbots.kernel.eventstore import projections
from mallbots.kernel.eventstore.models import Event, Snapshot
from mallbots.kernel.messaging.models import StreamMessage
from tests.baskets.factories import BasketFactory, CachedProductFactory, new_id
from tests.baskets.helpers import events_of, published

pytestmark = pytest.mark.integration


def line(product, quantity: int) -> dict:
    return {
        "store_id": product.store_id,
        "product_id": product.id,
        "store_name": StoreCache.objects.get(id=product.store_id).name,
        "product_name": product.name,
        "price": str(product.price),
        "quantity": quantity,
    }


def row(basket_id: str) -> dict:
    return Basket.objects.filter(id=basket_id).values("customer_id", "payment_id", "status", "items").get()


@pytest.mark.django_db
def test_start_stores_the_event_projects_the_basket_and_publishes_basket_started():
    # when
    basket_id = services.basket_start(customer_id="customer-1")
    # then
    assert events_of(basket_id) == [(1, "baskets.BasketStarted")]
    assert row(basket_id) == {"customer_id": "customer-1", "payment_id": "", "status": "open", "items": []}
    assert published(basket_id) == [
        ("basketsapi.BasketStarted", {"id": basket_id, "customer_id": "customer-1"})
    ]


@pytest.mark.django_db
def test_start_with_a_blank_customer_changes_nothing():
    # when
    with pytest.raises(CustomerIdCannotBeBlank) as caught:
        services.basket_start(customer_id=" ")
    # then
    assert caught.value.message == "the customer id cannot be blank"
    assert not Event.objects.filter(stream_type="baskets.Basket").exists()
    assert not Basket.objects.exists()
    assert not StreamMessage.objects.exists()


@pytest.mark.django_db
def test_add_item_copies_the_cached_product_and_store_into_the_basket():
    # given
    shirt, mug = CachedProductFactory(price=Decimal("9.99")), CachedProductFactory(price=Decimal("4.50"))
    basket = BasketFactory()
    # when
    services.basket_add_item(basket_id=basket.id, product_id=shirt.id, quantity=2)
    services.basket_add_item(basket_id=basket.id, product_id=mug.id, quantity=1)
    # then
    assert events_of(basket.id) == [
        (1, "baskets.BasketStarted"),
        (2, "baskets.BasketItemAdded"),
        (3, "baskets.BasketItemAdded"),
    ]
    assert row(basket.id)["items"] == [line(shirt, 2), line(mug, 1)]
    assert Event.objects.get(stream_id=basket.id, version=2).data == {
        "basket_id": basket.id,
        "item": line(shirt, 2),
    }
    # adding items publishes nothing
    assert [name for name, _ in published(basket.id)] == ["basketsapi.BasketStarted"]


@pytest.mark.django_db
def test_adding_a_product_again_adds_to_the_line_at_its_first_price():
    # given
    shirt = CachedProductFactory(price=Decimal("9.99"))
    basket = BasketFactory(items=[(shirt, 2)])
    services.product_cache_reprice(product_id=shirt.id, price=Decimal("19.99"))
    # when
    services.basket_add_item(basket_id=basket.id, product_id=shirt.id, quantity=3)
    # then
    assert row(basket.id)["items"] == [line(shirt, 5)]
    assert row(basket.id)["items"][0]["price"] == "9.99"


@pytest.mark.django_db
def test_removing_one_of_two_keeps_one_and_removing_the_rest_drops_the_line():
    # given
    shirt, mug = CachedProductFactory(), CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 2), (mug, 1)])
    # when
    services.basket_remove_item(basket_id=basket.id, product_id=shirt.id, quantity=1)
    after_one = row(basket.id)["items"]
    services.basket_remove_item(basket_id=basket.id, product_id=shirt.id, quantity=5)
    # then
    assert after_one == [line(shirt, 1), line(mug, 1)]
    assert row(basket.id)["items"] == [line(mug, 1)]
    assert events_of(basket.id)[-2:] == [(4, "baskets.BasketItemRemoved"), (5, "baskets.BasketItemRemoved")]


@pytest.mark.django_db
def test_removing_a_product_that_is_not_in_the_basket_changes_nothing():
    # given
    shirt, mug = CachedProductFactory(), CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 1)])
    before = row(basket.id)
    # when
    with pytest.raises(ProductNotInBasket):
        services.basket_remove_item(basket_id=basket.id, product_id=mug.id, quantity=1)
    # then
    assert len(events_of(basket.id)) == 2
    assert row(basket.id) == before


@pytest.mark.django_db
def test_a_product_the_store_removed_can_still_leave_the_basket():
    # given
    shirt = CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 1)])
    services.product_cache_remove(product_id=shirt.id)
    # when
    services.basket_remove_item(basket_id=basket.id, product_id=shirt.id, quantity=1)
    # then
    assert row(basket.id)["items"] == []


@pytest.mark.django_db
def test_checkout_publishes_every_item_for_the_order():
    # given
    shirt, mug = CachedProductFactory(price=Decimal("9.99")), CachedProductFactory(price=Decimal("4.50"))
    basket = BasketFactory(customer_id="customer-7", items=[(shirt, 2), (mug, 1)])
    # when
    services.basket_checkout(basket_id=basket.id, payment_id="payment-7")
    # then
    assert row(basket.id) == {
        "customer_id": "customer-7",
        "payment_id": "payment-7",
        "status": "checked_out",
        "items": [line(shirt, 2), line(mug, 1)],
    }
    message = StreamMessage.objects.get(name="basketsapi.BasketCheckedOut")
    assert (message.partition_key, message.producer) == (basket.id, "baskets")
    assert message.payload == {
        "id": basket.id,
        "customer_id": "customer-7",
        "payment_id": "payment-7",
        "items": [line(shirt, 2), line(mug, 1)],
    }


@pytest.mark.django_db
def test_cancel_drops_the_items_and_publishes_basket_canceled():
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    services.basket_cancel(basket_id=basket.id)
    # then
    assert row(basket.id)["status"] == "canceled"
    assert row(basket.id)["items"] == []
    assert published(basket.id)[-1] == ("basketsapi.BasketCanceled", {"id": basket.id})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "error"),
    [
        (
            lambda b, p: services.basket_add_item(basket_id=b, product_id=p, quantity=1),
            BasketCannotBeModified,
        ),
        (
            lambda b, p: services.basket_remove_item(basket_id=b, product_id=p, quantity=1),
            BasketCannotBeModified,
        ),
        (lambda b, p: services.basket_checkout(basket_id=b, payment_id="pay-2"), BasketCannotBeModified),
        (lambda b, p: services.basket_cancel(basket_id=b), BasketCannotBeCancelled),
    ],
    ids=["add_item", "remove_item", "checkout", "cancel"],
)
def test_a_checked_out_basket_refuses_every_command_and_nothing_changes(command, error):
    # given
    product = CachedProductFactory()
    basket = BasketFactory(items=[(product, 1)], payment_id="pay-1")
    before, outbox_before = row(basket.id), StreamMessage.objects.count()
    # when
    with pytest.raises(error):
        command(basket.id, product.id)
    # then
    assert len(events_of(basket.id)) == 3
    assert row(basket.id) == before
    assert StreamMessage.objects.count() == outbox_before


@pytest.mark.django_db
def test_checkout_refuses_an_empty_basket_and_a_blank_payment():
    # given
    empty = BasketFactory()
    full = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    with pytest.raises(BasketHasNoItems):
        services.basket_checkout(basket_id=empty.id, payment_id="pay-1")
    with pytest.raises(PaymentIdCannotBeBlank):
        services.basket_checkout(basket_id=full.id, payment_id="")
    # then
    assert (row(empty.id)["status"], row(full.id)["status"]) == ("open", "open")
    assert not StreamMessage.objects.filter(name="basketsapi.BasketCheckedOut").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command",
    [
        lambda b: services.basket_add_item(basket_id=b, product_id="p", quantity=1),
        lambda b: services.basket_remove_item(basket_id=b, product_id="p", quantity=1),
        lambda b: services.basket_checkout(basket_id=b, payment_id="pay"),
        lambda b: services.basket_cancel(basket_id=b),
    ],
    ids=["add_item", "remove_item", "checkout", "cancel"],
)
def test_commands_on_an_unknown_basket_answer_not_found_and_create_nothing(command):
    # given
    basket_id = new_id()
    # when
    with pytest.raises(BasketNotFound) as caught:
        command(basket_id)
    # then
    assert caught.value.message == "the basket was not found"
    assert events_of(basket_id) == []
    assert not StreamMessage.objects.exists()


@pytest.mark.django_db
def test_add_item_with_quantity_zero_changes_nothing():
    # given
    basket = BasketFactory()
    # when
    with pytest.raises(QuantityTooSmall):
        services.basket_add_item(basket_id=basket.id, product_id=CachedProductFactory().id, quantity=0)
    # then
    assert events_of(basket.id) == [(1, "baskets.BasketStarted")]
    assert row(basket.id)["items"] == []


@pytest.mark.django_db
def test_add_item_of_a_removed_product_is_not_found():
    # given
    product = CachedProductFactory()
    services.product_cache_remove(product_id=product.id)
    basket = BasketFactory()
    # when
    with pytest.raises(ProductNotLocated) as caught:
        services.basket_add_item(basket_id=basket.id, product_id=product.id, quantity=1)
    # then
    assert caught.value.message == "product fallback failed: product was not located"
    assert caught.value.code == 5
    assert events_of(basket.id) == [(1, "baskets.BasketStarted")]


@pytest.mark.django_db
def test_snapshots_are_taken_and_loading_from_one_gives_the_replayed_state(settings):
    # given snapshots every 3 events
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"default": 0, "baskets.Basket": 3}
    shirt, mug = CachedProductFactory(), CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 2), (mug, 1), (shirt, 1)])  # versions 1-4
    services.basket_remove_item(basket_id=basket.id, product_id=mug.id, quantity=1)  # version 5
    assert Snapshot.objects.get(stream_id=basket.id).version == 3
    # when
    from_snapshot = services.baskets.get(basket.id)
    Snapshot.objects.filter(stream_id=basket.id).delete()
    replayed = services.baskets.get(basket.id)
    # then
    assert from_snapshot.version == replayed.version == 5
    assert from_snapshot.snapshot() == replayed.snapshot()
    assert [i.quantity for i in from_snapshot.items.values()] == [3]


@pytest.mark.django_db
def test_snapshot_holds_the_state_at_its_version(settings):
    # given
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"default": 0, "baskets.Basket": 3}
    shirt, mug = CachedProductFactory(price=Decimal("2.00")), CachedProductFactory(price=Decimal("3.00"))
    # when
    basket = BasketFactory(customer_id="c-snap", items=[(shirt, 2), (mug, 1)])
    # then
    snapshot = Snapshot.objects.get(stream_type="baskets.Basket", stream_id=basket.id)
    assert (snapshot.version, snapshot.schema_version) == (3, 1)
    assert snapshot.state == {
        "customer_id": "c-snap",
        "payment_id": "",
        "status": "open",
        "items": [line(shirt, 2), line(mug, 1)],
        "checkout_rejection": "",
    }


@pytest.mark.django_db
def test_rebuilding_the_projection_gives_the_same_rows():
    # given
    shirt, mug = CachedProductFactory(), CachedProductFactory()
    baskets = [
        BasketFactory(items=[(shirt, 2), (mug, 3)]),
        BasketFactory(items=[(shirt, 1)], payment_id="pay-1"),
        BasketFactory(items=[(mug, 1)], canceled=True),
    ]
    services.basket_remove_item(basket_id=baskets[0].id, product_id=mug.id, quantity=1)
    before = list(Basket.objects.order_by("id").values())
    # when
    projections.rebuild(projections.get("baskets.baskets"))
    projections.rebuild(projections.get("baskets.baskets"))
    # then
    assert list(Basket.objects.order_by("id").values()) == before


# --- Concurrency ----------------------------------------------------------------------------


def _race(basket_id: str, product_ids: list[str]) -> list[BaseException | None]:
    """Add one product per thread to the same basket, all loading it before any saves."""
    barrier = threading.Barrier(len(product_ids))
    results: list[BaseException | None] = [None] * len(product_ids)
    original_get = services.baskets.get
    first_load = threading.local()

    def get_then_wait(id: str):
        basket = original_get(id)
        if not getattr(first_load, "done", False):
            first_load.done = True
            barrier.wait(5)  # everyone has loaded the same version before anyone saves
        return basket

    def run(index: int) -> None:
        try:
            services.basket_add_item(basket_id=basket_id, product_id=product_ids[index], quantity=1)
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    services.baskets.get = get_then_wait  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(product_ids))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        services.baskets.get = original_get  # type: ignore[method-assign]
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_adds_to_one_basket_both_land(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 3
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    shirt, mug = CachedProductFactory(), CachedProductFactory()
    basket = BasketFactory()
    # when
    results = _race(basket.id, [shirt.id, mug.id])
    # then the loser retried on fresh state
    assert results == [None, None]
    assert [v for v, _ in events_of(basket.id)] == [1, 2, 3]
    assert sorted(line["product_id"] for line in row(basket.id)["items"]) == sorted([shirt.id, mug.id])
    assert sorted(services.baskets.get(basket.id).items) == sorted([shirt.id, mug.id])


@pytest.mark.django_db(transaction=True)
def test_without_retries_the_losing_add_gets_conflict_and_changes_nothing(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 1
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    shirt, mug = CachedProductFactory(), CachedProductFactory()
    basket = BasketFactory()
    # when
    results = _race(basket.id, [shirt.id, mug.id])
    # then exactly one won
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    assert isinstance(next(r for r in results if r is not None), Conflict)
    winner = [shirt.id, mug.id][results.index(None)]
    assert events_of(basket.id) == [(1, "baskets.BasketStarted"), (2, "baskets.BasketItemAdded")]
    assert [line["product_id"] for line in row(basket.id)["items"]] == [winner]

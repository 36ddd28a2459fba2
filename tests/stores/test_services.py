"""Commands on real PostgreSQL: events appended, read models projected, integration events in
the outbox, all in one transaction; refused commands leave nothing behind."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.stores import contracts, services
from apps.stores.domain import (
    PriceChangeWouldBeDecrease,
    PriceChangeWouldBeIncrease,
    ProductNameBlank,
    ProductNotFound,
    ProductPriceNegative,
    ProductRemovedError,
    ProductSkuTaken,
    StoreAlreadyNotParticipating,
    StoreAlreadyParticipating,
    StoreLocationBlank,
    StoreNameBlank,
    StoreNotFound,
)
from apps.stores.models import Product, Store
from mallbots.kernel.ddd import context
from mallbots.kernel.eventstore.models import Event, Snapshot
from mallbots.kernel.messaging.models import StreamMessage
from tests.stores.factories import ProductFactory, StoreFactory
from tests.stores.helpers import counts, events_of, messages_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def read_store(store_id: str) -> tuple[str, str, bool]:
    store = Store.objects.get(id=store_id)
    return (store.name, store.location, store.participating)


def read_product(product_id: str) -> tuple[str, str, str, str, Decimal]:
    p = Product.objects.get(id=product_id)
    return (p.store_id, p.name, p.description, p.sku, p.price)


# --- Stores ---------------------------------------------------------------------------------


def test_creating_a_store_stores_the_event_projects_it_and_publishes_store_created():
    # when
    with context.use(correlation_id="corr-1", actor="manager"):
        store_id = services.store_create(name="Books", location="Level 1")
    # then
    assert str(uuid.UUID(store_id)) == store_id
    assert events_of(store_id) == [
        (
            "stores.Store",
            1,
            "stores.StoreCreated",
            {"store_id": store_id, "name": "Books", "location": "Level 1"},
        )
    ]
    assert read_store(store_id) == ("Books", "Level 1", False)
    assert messages_of(store_id) == [
        ("storesapi.StoreCreated", {"id": store_id, "name": "Books", "location": "Level 1"})
    ]
    message = StreamMessage.objects.get(partition_key=store_id)
    assert (message.producer, message.version, message.correlation_id) == ("stores", 1, "corr-1")


@pytest.mark.parametrize(
    ("name", "location", "error"),
    [("", "Level 1", StoreNameBlank), (" ", "Level 1", StoreNameBlank), ("Books", "", StoreLocationBlank)],
)
def test_a_store_without_name_or_location_is_not_created(name, location, error):
    # given
    before = counts()
    # when
    with pytest.raises(error):
        services.store_create(name=name, location=location)
    # then
    assert counts() == before


def test_enabling_then_disabling_participation_projects_and_publishes_both_toggles():
    # given
    store = StoreFactory()
    # when
    services.store_enable_participation(store_id=store.id)
    participating_after_enable = read_store(store.id)[2]
    services.store_disable_participation(store_id=store.id)
    # then
    assert participating_after_enable is True
    assert read_store(store.id)[2] is False
    assert [e[1:3] for e in events_of(store.id)] == [
        (1, "stores.StoreCreated"),
        (2, "stores.StoreParticipationEnabled"),
        (3, "stores.StoreParticipationDisabled"),
    ]
    assert messages_of(store.id)[1:] == [
        ("storesapi.StoreParticipatingToggled", {"id": store.id, "participating": True}),
        ("storesapi.StoreParticipatingToggled", {"id": store.id, "participating": False}),
    ]


def test_enabling_participation_twice_is_refused_and_changes_nothing():
    # given
    store = StoreFactory(participating=True)
    before = counts()
    # when
    with pytest.raises(StoreAlreadyParticipating, match=r"^the store is already participating$"):
        services.store_enable_participation(store_id=store.id)
    # then
    assert counts() == before
    assert read_store(store.id)[2] is True


def test_disabling_participation_of_a_store_that_does_not_participate_is_refused():
    # given
    store = StoreFactory()
    before = counts()
    # when
    with pytest.raises(StoreAlreadyNotParticipating, match=r"^the store is already not participating$"):
        services.store_disable_participation(store_id=store.id)
    # then
    assert counts() == before


def test_rebranding_a_store_projects_and_publishes_the_new_name():
    # given
    store = StoreFactory(name="Books", location="Level 1")
    # when
    services.store_rebrand(store_id=store.id, name="Books & Coffee")
    # then
    assert read_store(store.id) == ("Books & Coffee", "Level 1", False)
    assert events_of(store.id)[-1] == (
        "stores.Store",
        2,
        "stores.StoreRebranded",
        {"store_id": store.id, "name": "Books & Coffee"},
    )
    assert messages_of(store.id)[-1] == (
        "storesapi.StoreRebranded",
        {"id": store.id, "name": "Books & Coffee"},
    )


def test_a_blank_store_rebrand_is_refused():
    # given
    store = StoreFactory(name="Books")
    before = counts()
    # when
    with pytest.raises(StoreNameBlank):
        services.store_rebrand(store_id=store.id, name="  ")
    # then
    assert counts() == before
    assert read_store(store.id)[0] == "Books"


@pytest.mark.parametrize(
    ("command", "kwargs"),
    [
        (services.store_enable_participation, {}),
        (services.store_disable_participation, {}),
        (services.store_rebrand, {"name": "Ghost"}),
        (
            services.product_add,
            {"name": "Ghost", "description": "", "sku": "", "price": Decimal("1.00")},
        ),
    ],
)
def test_commands_on_an_unknown_store_are_not_found_and_create_no_stream(command, kwargs):
    # given
    missing = str(uuid.uuid4())
    StoreFactory()
    before = counts()
    # when
    with pytest.raises(StoreNotFound, match=r"^the store was not found$"):
        command(store_id=missing, **kwargs)
    # then
    assert counts() == before
    assert events_of(missing) == []


# --- Products -------------------------------------------------------------------------------


def test_adding_a_product_stores_projects_and_publishes_product_added():
    # given
    store = StoreFactory()
    # when
    product_id = services.product_add(
        store_id=store.id, name="Novel", description="Paperback", sku="BK-1", price=Decimal("12.5")
    )
    # then
    assert str(uuid.UUID(product_id)) == product_id
    assert events_of(product_id) == [
        (
            "stores.Product",
            1,
            "stores.ProductAdded",
            {
                "product_id": product_id,
                "store_id": store.id,
                "name": "Novel",
                "description": "Paperback",
                "sku": "BK-1",
                "price": "12.50",
            },
        )
    ]
    assert read_product(product_id) == (store.id, "Novel", "Paperback", "BK-1", Decimal("12.50"))
    assert messages_of(product_id) == [
        (
            "storesapi.ProductAdded",
            {
                "id": product_id,
                "store_id": store.id,
                "name": "Novel",
                "description": "Paperback",
                "sku": "BK-1",
                "price": "12.50",
            },
        )
    ]


@pytest.mark.parametrize(
    ("name", "price", "error"),
    [("", Decimal("1.00"), ProductNameBlank), ("Novel", Decimal("-0.01"), ProductPriceNegative)],
)
def test_an_invalid_product_is_not_added(name, price, error):
    # given
    store = StoreFactory()
    before = counts()
    # when
    with pytest.raises(error):
        services.product_add(store_id=store.id, name=name, description="", sku="", price=price)
    # then
    assert counts() == before


def test_a_second_product_with_a_sku_the_store_has_is_refused_and_nothing_is_stored():
    # given
    first = ProductFactory(sku="BK-1")
    before = counts()
    # when
    with pytest.raises(ProductSkuTaken) as refused:
        services.product_add(
            store_id=first.store_id, name="Other", description="", sku="BK-1", price=Decimal("1.00")
        )
    # then
    assert refused.value.message == "the store already has a product with that SKU"
    assert counts() == before


def test_the_same_sku_in_another_store_and_blank_skus_in_one_store_are_accepted():
    # given
    first = ProductFactory(sku="BK-1")
    other_store = StoreFactory()
    # when
    elsewhere = services.product_add(
        store_id=other_store.id, name="Novel", description="", sku="BK-1", price=Decimal("1.00")
    )
    blanks = [
        services.product_add(store_id=first.store_id, name=name, description="", sku="", price=Decimal("1"))
        for name in ("Pen", "Ink")
    ]
    # then
    assert Product.objects.get(id=elsewhere).sku == "BK-1"
    assert sorted(Product.objects.filter(id__in=blanks).values_list("name", flat=True)) == ["Ink", "Pen"]


def test_rebranding_a_product_projects_and_publishes_name_and_description():
    # given
    product = ProductFactory(name="Novel", description="Paperback")
    # when
    services.product_rebrand(product_id=product.id, name="Poems", description="Hardcover")
    # then
    assert read_product(product.id)[1:3] == ("Poems", "Hardcover")
    assert events_of(product.id)[-1][2:] == (
        "stores.ProductRebranded",
        {"product_id": product.id, "name": "Poems", "description": "Hardcover"},
    )
    assert messages_of(product.id)[-1] == (
        "storesapi.ProductRebranded",
        {"id": product.id, "name": "Poems", "description": "Hardcover"},
    )


def test_increasing_the_price_publishes_the_delta_and_the_new_price():
    # given
    product = ProductFactory(price=Decimal("10.00"))
    # when
    services.product_increase_price(product_id=product.id, price=Decimal("12.50"))
    # then
    assert read_product(product.id)[4] == Decimal("12.50")
    assert events_of(product.id)[-1][2:] == (
        "stores.ProductPriceIncreased",
        {"product_id": product.id, "delta": "2.50", "price": "12.50"},
    )
    assert messages_of(product.id)[-1] == (
        "storesapi.ProductPriceIncreased",
        {"id": product.id, "delta": "2.50", "price": "12.50"},
    )


def test_decreasing_the_price_publishes_a_negative_delta_and_the_new_price():
    # given
    product = ProductFactory(price=Decimal("10.00"))
    # when
    services.product_decrease_price(product_id=product.id, price=Decimal("7.25"))
    # then
    assert read_product(product.id)[4] == Decimal("7.25")
    assert messages_of(product.id)[-1] == (
        "storesapi.ProductPriceDecreased",
        {"id": product.id, "delta": "-2.75", "price": "7.25"},
    )


@pytest.mark.parametrize(
    ("command", "price", "error"),
    [
        (services.product_increase_price, Decimal("9.99"), PriceChangeWouldBeDecrease),
        (services.product_decrease_price, Decimal("10.01"), PriceChangeWouldBeIncrease),
        (services.product_increase_price, Decimal("-1"), ProductPriceNegative),
    ],
)
def test_a_price_change_in_the_wrong_direction_is_refused(command, price, error):
    # given
    product = ProductFactory(price=Decimal("10.00"))
    before = counts()
    # when
    with pytest.raises(error):
        command(product_id=product.id, price=price)
    # then
    assert counts() == before
    assert read_product(product.id)[4] == Decimal("10.00")


def test_removing_a_product_deletes_its_row_and_publishes_product_removed():
    # given
    product = ProductFactory()
    # when
    services.product_remove(product_id=product.id)
    # then
    assert not Product.objects.filter(id=product.id).exists()
    assert events_of(product.id)[-1][1:3] == (2, "stores.ProductRemoved")
    assert messages_of(product.id)[-1] == ("storesapi.ProductRemoved", {"id": product.id})


@pytest.mark.parametrize(
    ("command", "kwargs"),
    [
        (services.product_rebrand, {"name": "Other", "description": ""}),
        (services.product_increase_price, {"price": Decimal("99.00")}),
        (services.product_decrease_price, {"price": Decimal("1.00")}),
        (services.product_remove, {}),
    ],
)
def test_a_removed_product_takes_no_more_commands(command, kwargs):
    # given
    product = ProductFactory()
    services.product_remove(product_id=product.id)
    before = counts()
    # when
    with pytest.raises(ProductRemovedError, match=r"^the product has been removed$"):
        command(product_id=product.id, **kwargs)
    # then
    assert counts() == before


@pytest.mark.parametrize(
    ("command", "kwargs"),
    [
        (services.product_rebrand, {"name": "Other", "description": ""}),
        (services.product_increase_price, {"price": Decimal("99.00")}),
        (services.product_decrease_price, {"price": Decimal("1.00")}),
        (services.product_remove, {}),
    ],
)
def test_commands_on_an_unknown_product_are_not_found_and_create_no_stream(command, kwargs):
    # given
    missing = str(uuid.uuid4())
    ProductFactory()
    before = counts()
    # when
    with pytest.raises(ProductNotFound, match=r"^product with that ID does not exist$"):
        command(product_id=missing, **kwargs)
    # then
    assert counts() == before
    assert events_of(missing) == []


# --- Snapshots ------------------------------------------------------------------------------


def test_products_are_snapshotted_and_loaded_from_the_snapshot(settings):
    # given snapshots every 3 events
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"stores.Product": 3}
    product = ProductFactory(name="Novel", price=Decimal("10.00"))
    services.product_increase_price(product_id=product.id, price=Decimal("11.00"))
    services.product_rebrand(product_id=product.id, name="Poems", description="Slim")
    services.product_decrease_price(product_id=product.id, price=Decimal("9.00"))
    # then the snapshot is at version 3
    snapshot = Snapshot.objects.get(stream_type="stores.Product", stream_id=product.id)
    assert (snapshot.version, snapshot.schema_version) == (3, 1)
    assert snapshot.state == {
        "store_id": product.store_id,
        "name": "Poems",
        "description": "Slim",
        "sku": product.sku,
        "price": "11.00",
        "removed": False,
    }
    # when the snapshot says something the events do not, loading shows it started from it
    Snapshot.objects.filter(pk=snapshot.pk).update(state={**snapshot.state, "name": "From the snapshot"})
    loaded = services.products.get(product.id)
    # then
    assert (loaded.version, loaded.name, loaded.price) == (4, "From the snapshot", Decimal("9.00"))


def test_stores_are_snapshotted_and_loaded_from_the_snapshot(settings):
    # given snapshots every 2 events
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"stores.Store": 2}
    store = StoreFactory(name="Books", location="Level 1", participating=True)
    services.store_rebrand(store_id=store.id, name="Books & Coffee")
    # then
    snapshot = Snapshot.objects.get(stream_type="stores.Store", stream_id=store.id)
    assert (snapshot.version, snapshot.state) == (
        2,
        {"name": "Books", "location": "Level 1", "participating": True},
    )
    loaded = services.stores.get(store.id)
    assert (loaded.version, loaded.name, loaded.location, loaded.participating) == (
        3,
        "Books & Coffee",
        "Level 1",
        True,
    )


# --- Open-host queries (contracts.py) -------------------------------------------------------


def test_get_store_and_get_product_answer_frozen_dataclasses():
    # given
    store = StoreFactory(name="Books", location="Level 1", participating=True)
    product = ProductFactory(
        store=store, name="Novel", description="Paperback", sku="BK-1", price=Decimal("5")
    )
    # when / then
    assert contracts.get_store(store.id) == contracts.StoreInfo(
        id=store.id, name="Books", location="Level 1", participating=True
    )
    assert contracts.get_product(product.id) == contracts.ProductInfo(
        id=product.id,
        store_id=store.id,
        name="Novel",
        description="Paperback",
        sku="BK-1",
        price=Decimal("5.00"),
    )


def test_get_store_and_get_product_answer_none_for_unknown_or_removed():
    # given
    product = ProductFactory()
    services.product_remove(product_id=product.id)
    # when / then
    assert contracts.get_store(str(uuid.uuid4())) is None
    assert contracts.get_product(str(uuid.uuid4())) is None
    assert contracts.get_product(product.id) is None
    assert Event.objects.filter(stream_id=product.id).count() == 2

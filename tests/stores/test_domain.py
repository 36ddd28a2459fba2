"""The Store and Product aggregates alone: what they record, what they refuse, snapshots."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.stores.domain import (
    PriceChangeWouldBeDecrease,
    PriceChangeWouldBeIncrease,
    Product,
    ProductAdded,
    ProductNameBlank,
    ProductPriceDecreased,
    ProductPriceIncreased,
    ProductPriceInvalid,
    ProductPriceNegative,
    ProductRebranded,
    ProductRemoved,
    ProductRemovedError,
    Store,
    StoreAlreadyNotParticipating,
    StoreAlreadyParticipating,
    StoreCreated,
    StoreLocationBlank,
    StoreNameBlank,
    StoreParticipationDisabled,
    StoreParticipationEnabled,
    StoreRebranded,
)

pytestmark = pytest.mark.unit


def a_store(participating: bool = False) -> Store:
    store = Store.create("store-1", "Books", "Level 1")
    if participating:
        store.enable_participation()
    store.clear_events()
    return store


def a_product(price: str = "10.00") -> Product:
    product = Product.add(
        "product-1", store=a_store(), name="Novel", description="Paperback", sku="BK-1", price=Decimal(price)
    )
    product.clear_events()
    return product


# --- Store ----------------------------------------------------------------------------------


def test_creating_a_store_records_store_created_and_it_does_not_participate():
    # when
    store = Store.create("store-1", "Books", "Level 1")
    # then
    assert store.pending_events == (StoreCreated(store_id="store-1", name="Books", location="Level 1"),)
    assert (store.id, store.name, store.location, store.participating) == (
        "store-1",
        "Books",
        "Level 1",
        False,
    )


@pytest.mark.parametrize(
    ("name", "location", "error", "message"),
    [
        ("", "Level 1", StoreNameBlank, "the store name cannot be blank"),
        ("   ", "Level 1", StoreNameBlank, "the store name cannot be blank"),
        ("Books", "", StoreLocationBlank, "the store location cannot be blank"),
        ("Books", " \t", StoreLocationBlank, "the store location cannot be blank"),
    ],
)
def test_a_store_needs_a_name_and_a_location(name, location, error, message):
    with pytest.raises(error) as raised:
        Store.create("store-1", name, location)
    assert (raised.value.message, raised.value.code) == (message, 3)


def test_enabling_and_disabling_participation_records_the_toggles():
    # given
    store = a_store()
    # when
    store.enable_participation()
    store.disable_participation()
    # then
    assert store.pending_events == (
        StoreParticipationEnabled(store_id="store-1"),
        StoreParticipationDisabled(store_id="store-1"),
    )
    assert store.participating is False


def test_enabling_participation_twice_is_refused():
    # given
    store = a_store(participating=True)
    # when
    with pytest.raises(StoreAlreadyParticipating, match=r"^the store is already participating$"):
        store.enable_participation()
    # then
    assert store.pending_events == ()
    assert store.participating is True


def test_disabling_participation_of_a_store_that_does_not_participate_is_refused():
    # given
    store = a_store()
    # when
    with pytest.raises(StoreAlreadyNotParticipating, match=r"^the store is already not participating$"):
        store.disable_participation()
    # then
    assert store.pending_events == ()


def test_rebranding_a_store_changes_its_name():
    # given
    store = a_store()
    # when
    store.rebrand("Books & Coffee")
    # then
    assert store.pending_events == (StoreRebranded(store_id="store-1", name="Books & Coffee"),)
    assert store.name == "Books & Coffee"


def test_a_blank_rebrand_of_a_store_is_refused():
    # given
    store = a_store()
    # when
    with pytest.raises(StoreNameBlank, match=r"^the store name cannot be blank$"):
        store.rebrand(" ")
    # then
    assert (store.pending_events, store.name) == ((), "Books")


def test_a_store_snapshot_restores_the_same_state():
    # given
    store = a_store(participating=True)
    store.rebrand("Books & Coffee")
    # when
    restored = Store.restore("store-1", store.snapshot())
    # then
    assert store.snapshot() == {"name": "Books & Coffee", "location": "Level 1", "participating": True}
    assert (restored.id, restored.name, restored.location, restored.participating) == (
        "store-1",
        "Books & Coffee",
        "Level 1",
        True,
    )


# --- Product --------------------------------------------------------------------------------


def test_adding_a_product_records_product_added_with_a_two_decimal_price():
    # when
    product = Product.add(
        "product-1", store=a_store(), name="Novel", description="", sku="", price=Decimal("12.5")
    )
    # then
    assert product.pending_events == (
        ProductAdded(
            product_id="product-1",
            store_id="store-1",
            name="Novel",
            description="",
            sku="",
            price=Decimal("12.50"),
        ),
    )
    assert str(product.pending_events[0].price) == "12.50"
    assert (product.store_id, product.price, product.removed) == ("store-1", Decimal("12.50"), False)


@pytest.mark.parametrize(
    ("name", "price", "error", "message"),
    [
        ("", "1.00", ProductNameBlank, "the product name cannot be blank"),
        ("  ", "1.00", ProductNameBlank, "the product name cannot be blank"),
        ("Novel", "-0.01", ProductPriceNegative, "the product price cannot be negative"),
        (
            "Novel",
            "1.001",
            ProductPriceInvalid,
            "the product price must be a number of at most 9999999.99 with two decimals",
        ),
        (
            "Novel",
            "10000000.00",
            ProductPriceInvalid,
            "the product price must be a number of at most 9999999.99 with two decimals",
        ),
        (
            "Novel",
            "NaN",
            ProductPriceInvalid,
            "the product price must be a number of at most 9999999.99 with two decimals",
        ),
        (
            "Novel",
            "-Infinity",
            ProductPriceInvalid,
            "the product price must be a number of at most 9999999.99 with two decimals",
        ),
    ],
)
def test_a_product_needs_a_name_and_a_valid_price(name, price, error, message):
    with pytest.raises(error) as raised:
        Product.add("product-1", store=a_store(), name=name, description="", sku="", price=Decimal(price))
    assert (raised.value.message, raised.value.code) == (message, 3)


def test_a_free_product_is_allowed():
    product = Product.add(
        "product-1", store=a_store(), name="Flyer", description="", sku="", price=Decimal("0")
    )
    assert product.price == Decimal("0.00")


def test_rebranding_a_product_changes_name_and_description():
    # given
    product = a_product()
    # when
    product.rebrand("Novel, 2nd ed.", "Hardcover")
    # then
    assert product.pending_events == (
        ProductRebranded(product_id="product-1", name="Novel, 2nd ed.", description="Hardcover"),
    )
    assert (product.name, product.description) == ("Novel, 2nd ed.", "Hardcover")


def test_a_blank_rebrand_of_a_product_is_refused():
    # given
    product = a_product()
    # when
    with pytest.raises(ProductNameBlank, match=r"^the product name cannot be blank$"):
        product.rebrand("", "Hardcover")
    # then
    assert (product.pending_events, product.name) == ((), "Novel")


def test_increasing_the_price_records_the_delta_and_the_new_price():
    # given
    product = a_product("10.00")
    # when
    product.increase_price(Decimal("12.50"))
    # then
    assert product.pending_events == (
        ProductPriceIncreased(product_id="product-1", delta=Decimal("2.50"), price=Decimal("12.50")),
    )
    assert product.price == Decimal("12.50")


def test_decreasing_the_price_records_a_negative_delta_and_the_new_price():
    # given
    product = a_product("10.00")
    # when
    product.decrease_price(Decimal("7.25"))
    # then
    assert product.pending_events == (
        ProductPriceDecreased(product_id="product-1", delta=Decimal("-2.75"), price=Decimal("7.25")),
    )
    assert product.price == Decimal("7.25")


def test_the_same_price_is_a_zero_change_either_way_as_in_the_original():
    # given
    product = a_product("10.00")
    # when
    product.increase_price(Decimal("10"))
    product.decrease_price(Decimal("10.00"))
    # then
    assert [(type(e), e.delta, e.price) for e in product.pending_events] == [
        (ProductPriceIncreased, Decimal("0.00"), Decimal("10.00")),
        (ProductPriceDecreased, Decimal("0.00"), Decimal("10.00")),
    ]


def test_an_increase_to_a_lower_price_is_refused():
    # given
    product = a_product("10.00")
    # when
    with pytest.raises(PriceChangeWouldBeDecrease, match=r"^the price change would be a decrease$"):
        product.increase_price(Decimal("9.99"))
    # then
    assert (product.pending_events, product.price) == ((), Decimal("10.00"))


def test_a_decrease_to_a_higher_price_is_refused():
    # given
    product = a_product("10.00")
    # when
    with pytest.raises(PriceChangeWouldBeIncrease, match=r"^the price change would be an increase$"):
        product.decrease_price(Decimal("10.01"))
    # then
    assert (product.pending_events, product.price) == ((), Decimal("10.00"))


@pytest.mark.parametrize("change", ["increase_price", "decrease_price"])
@pytest.mark.parametrize(
    ("price", "error"),
    [("-1.00", ProductPriceNegative), ("5.555", ProductPriceInvalid), ("sNaN", ProductPriceInvalid)],
)
def test_a_price_change_to_an_invalid_price_is_refused(change, price, error):
    # given
    product = a_product("10.00")
    # when
    with pytest.raises(error):
        getattr(product, change)(Decimal(price))
    # then
    assert (product.pending_events, product.price) == ((), Decimal("10.00"))


def test_removing_a_product_records_product_removed():
    # given
    product = a_product()
    # when
    product.remove()
    # then
    assert product.pending_events == (ProductRemoved(product_id="product-1"),)
    assert product.removed is True


@pytest.mark.parametrize(
    ("change", "args"),
    [
        ("rebrand", ("Other", "")),
        ("increase_price", (Decimal("20"),)),
        ("decrease_price", (Decimal("1"),)),
        ("remove", ()),
    ],
)
def test_a_removed_product_takes_no_more_changes(change, args):
    # given
    product = a_product()
    product.remove()
    product.clear_events()
    # when
    with pytest.raises(ProductRemovedError) as raised:
        getattr(product, change)(*args)
    # then
    assert (raised.value.message, raised.value.code) == ("the product has been removed", 9)
    assert product.pending_events == ()


def test_a_product_snapshot_restores_the_same_state():
    # given
    product = a_product("10.00")
    product.decrease_price(Decimal("8.40"))
    product.remove()
    # when
    restored = Product.restore("product-1", product.snapshot())
    # then
    assert product.snapshot() == {
        "store_id": "store-1",
        "name": "Novel",
        "description": "Paperback",
        "sku": "BK-1",
        "price": "8.40",
        "removed": True,
    }
    assert restored.snapshot() == product.snapshot()
    assert (restored.id, restored.price) == ("product-1", Decimal("8.40"))


def test_replaying_the_recorded_events_gives_the_same_state():
    # given
    product = Product.add(
        "product-1", store=a_store(), name="Novel", description="", sku="", price=Decimal("3.00")
    )
    product.increase_price(Decimal("4.00"))
    product.rebrand("Poems", "Slim")
    # when
    replayed = Product("product-1")
    for event in product.pending_events:
        replayed.apply(event)
    # then
    assert replayed.snapshot() == product.snapshot()

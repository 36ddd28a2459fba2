"""The Basket aggregate alone: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.baskets.domain import (
    Basket,
    BasketCanceled,
    BasketCannotBeCancelled,
    BasketCannotBeModified,
    BasketCheckedOut,
    BasketHasNoItems,
    BasketItemAdded,
    BasketItemRemoved,
    BasketStarted,
    BasketStatus,
    CustomerIdCannotBeBlank,
    Item,
    PaymentIdCannotBeBlank,
    ProductNotInBasket,
    QuantityCannotBeNegative,
    QuantityTooSmall,
)
from mallbots.kernel.ddd import FailedPrecondition, InvalidArgument
from mallbots.kernel.ddd.serde import from_data, to_data

pytestmark = pytest.mark.unit

SHIRT = {
    "store_id": "s-1",
    "store_name": "Threads",
    "product_id": "p-1",
    "product_name": "Shirt",
    "price": Decimal("9.99"),
}
MUG = {
    "store_id": "s-2",
    "store_name": "Kitchen",
    "product_id": "p-2",
    "product_name": "Mug",
    "price": Decimal("4.50"),
}


def item(product: dict, quantity: int) -> Item:
    return Item(quantity=quantity, **product)


def open_basket(*lines: tuple[dict, int]) -> Basket:
    """A started basket with the given lines, its events already saved."""
    basket = Basket.start("b-1", "c-1")
    for product, quantity in lines:
        basket.add_item(**product, quantity=quantity)
    basket.version = basket.pending_version
    basket.clear_events()
    return basket


def closed_basket(status: BasketStatus) -> Basket:
    basket = open_basket((SHIRT, 1))
    if status is BasketStatus.CANCELED:
        basket.cancel()
    else:
        basket.checkout("pay-1")
    basket.clear_events()
    return basket


def test_start_opens_a_basket_for_the_customer():
    # when
    basket = Basket.start("b-1", "c-1")
    # then
    assert (basket.id, basket.customer_id, basket.status, basket.items) == ("b-1", "c-1", "open", {})
    assert basket.pending_events == (BasketStarted(basket_id="b-1", customer_id="c-1"),)


@pytest.mark.parametrize("customer_id", ["", "   "])
def test_start_refuses_a_blank_customer_id(customer_id):
    # when
    with pytest.raises(CustomerIdCannotBeBlank) as caught:
        Basket.start("b-1", customer_id)
    # then
    assert isinstance(caught.value, InvalidArgument)
    assert caught.value.message == "the customer id cannot be blank"


def test_add_item_copies_names_and_price_into_the_line():
    # given
    basket = open_basket()
    # when
    basket.add_item(**SHIRT, quantity=2)
    # then
    assert basket.items == {"p-1": item(SHIRT, 2)}
    assert basket.pending_events == (BasketItemAdded(basket_id="b-1", item=item(SHIRT, 2)),)


def test_adding_a_product_again_adds_to_its_quantity_and_keeps_the_first_name_and_price():
    # given
    basket = open_basket((SHIRT, 2), (MUG, 1))
    # when
    basket.add_item(**{**SHIRT, "product_name": "Renamed", "price": Decimal("20.00")}, quantity=3)
    # then
    assert basket.items == {"p-1": item(SHIRT, 5), "p-2": item(MUG, 1)}
    assert list(basket.items) == ["p-1", "p-2"]


@pytest.mark.parametrize(
    ("quantity", "error", "message"),
    [
        (0, QuantityTooSmall, "the item quantity must be at least 1"),
        (-1, QuantityCannotBeNegative, "the item quantity cannot be negative"),
    ],
)
def test_add_item_needs_a_quantity_of_at_least_one(quantity, error, message):
    # given
    basket = open_basket((SHIRT, 1))
    # when
    with pytest.raises(error) as caught:
        basket.add_item(**MUG, quantity=quantity)
    # then
    assert isinstance(caught.value, InvalidArgument)
    assert caught.value.message == message
    assert basket.pending_events == ()
    assert basket.items == {"p-1": item(SHIRT, 1)}


@pytest.mark.parametrize("status", [BasketStatus.CANCELED, BasketStatus.CHECKED_OUT])
def test_a_closed_basket_cannot_be_modified(status):
    # given
    basket = closed_basket(status)
    items_before = dict(basket.items)
    # when / then
    for attempt in (
        lambda: basket.add_item(**MUG, quantity=1),
        lambda: basket.remove_item(product_id="p-1", quantity=1),
        lambda: basket.checkout("pay-2"),
    ):
        with pytest.raises(BasketCannotBeModified) as caught:
            attempt()
        assert isinstance(caught.value, FailedPrecondition)
        assert caught.value.message == "the basket cannot be modified"
    assert basket.pending_events == ()
    assert basket.items == items_before
    assert basket.status == status


def test_removing_one_of_two_keeps_one():
    # given
    basket = open_basket((SHIRT, 2))
    # when
    basket.remove_item(product_id="p-1", quantity=1)
    # then
    assert basket.items == {"p-1": item(SHIRT, 1)}
    assert basket.pending_events == (BasketItemRemoved(basket_id="b-1", product_id="p-1", quantity=1),)


@pytest.mark.parametrize("quantity", [3, 4])
def test_removing_all_or_more_than_present_removes_the_line(quantity):
    # given
    basket = open_basket((SHIRT, 3), (MUG, 1))
    # when
    basket.remove_item(product_id="p-1", quantity=quantity)
    # then
    assert basket.items == {"p-2": item(MUG, 1)}


def test_removing_a_product_that_is_not_in_the_basket_is_refused():
    # given
    basket = open_basket((SHIRT, 1))
    # when
    with pytest.raises(ProductNotInBasket) as caught:
        basket.remove_item(product_id="p-2", quantity=1)
    # then
    assert caught.value.message == "the product is not in the basket"
    assert basket.pending_events == ()


@pytest.mark.parametrize(("quantity", "error"), [(0, QuantityTooSmall), (-2, QuantityCannotBeNegative)])
def test_remove_item_needs_a_quantity_of_at_least_one(quantity, error):
    # given
    basket = open_basket((SHIRT, 2))
    # when
    with pytest.raises(error):
        basket.remove_item(product_id="p-1", quantity=quantity)
    # then
    assert basket.pending_events == ()
    assert basket.items == {"p-1": item(SHIRT, 2)}


def test_cancel_drops_the_items():
    # given
    basket = open_basket((SHIRT, 1))
    # when
    basket.cancel()
    # then
    assert (basket.status, basket.items) == ("canceled", {})
    assert basket.pending_events == (BasketCanceled(basket_id="b-1"),)


@pytest.mark.parametrize("status", [BasketStatus.CANCELED, BasketStatus.CHECKED_OUT])
def test_only_an_open_basket_can_be_cancelled(status):
    # given
    basket = closed_basket(status)
    # when
    with pytest.raises(BasketCannotBeCancelled) as caught:
        basket.cancel()
    # then
    assert caught.value.message == "the basket cannot be cancelled"
    assert basket.pending_events == ()
    assert basket.status == status


def test_checkout_records_the_payment_and_every_item():
    # given
    basket = open_basket((SHIRT, 2), (MUG, 1))
    # when
    basket.checkout("pay-1")
    # then
    assert (basket.status, basket.payment_id) == ("checked_out", "pay-1")
    assert basket.pending_events == (
        BasketCheckedOut(
            basket_id="b-1",
            customer_id="c-1",
            payment_id="pay-1",
            items=(item(SHIRT, 2), item(MUG, 1)),
        ),
    )


def test_an_empty_basket_cannot_be_checked_out():
    # given
    basket = open_basket()
    # when
    with pytest.raises(BasketHasNoItems) as caught:
        basket.checkout("pay-1")
    # then
    assert caught.value.message == "the basket has no items"
    assert (basket.status, basket.pending_events) == ("open", ())


@pytest.mark.parametrize("payment_id", ["", "  "])
def test_checkout_needs_a_payment_id(payment_id):
    # given
    basket = open_basket((SHIRT, 1))
    # when
    with pytest.raises(PaymentIdCannotBeBlank) as caught:
        basket.checkout(payment_id)
    # then
    assert caught.value.message == "the payment id cannot be blank"
    assert (basket.status, basket.payment_id, basket.pending_events) == ("open", "", ())


def test_replaying_the_events_gives_the_same_state():
    # given
    basket = open_basket((SHIRT, 3), (MUG, 1))
    basket.remove_item(product_id="p-1", quantity=1)
    basket.checkout("pay-1")
    history = [from_data(type(e), to_data(e)) for e in (*_start_events(), *basket.pending_events)]
    # when
    replayed = Basket("b-1")
    for event in history:
        replayed.apply(event)
    # then
    assert replayed.snapshot() == basket.snapshot()


def _start_events():
    return (
        BasketStarted(basket_id="b-1", customer_id="c-1"),
        BasketItemAdded(basket_id="b-1", item=item(SHIRT, 3)),
        BasketItemAdded(basket_id="b-1", item=item(MUG, 1)),
    )


def test_snapshot_round_trips_with_items_in_order():
    # given
    basket = open_basket((MUG, 1), (SHIRT, 2))
    # when
    restored = Basket.restore("b-1", basket.snapshot())
    # then
    assert basket.snapshot() == {
        "customer_id": "c-1",
        "payment_id": "",
        "status": "open",
        "items": [
            {**MUG, "price": "4.50", "quantity": 1},
            {**SHIRT, "price": "9.99", "quantity": 2},
        ],
        "checkout_rejection": "",
    }
    assert (restored.customer_id, restored.status, restored.items) == ("c-1", "open", basket.items)
    assert list(restored.items) == ["p-2", "p-1"]


def test_events_survive_their_stored_form():
    # given
    events = [
        *_start_events(),
        BasketItemRemoved(basket_id="b-1", product_id="p-1", quantity=1),
        BasketCanceled(basket_id="b-1"),
        BasketCheckedOut(basket_id="b-1", customer_id="c-1", payment_id="pay", items=(item(SHIRT, 1),)),
    ]
    # when
    stored = [to_data(e) for e in events]
    # then
    assert stored[1]["item"]["price"] == "9.99"
    assert [from_data(type(e), data) for e, data in zip(events, stored, strict=True)] == events


def test_a_snapshot_written_before_checkout_rejections_existed_still_restores():
    state = {"customer_id": "c-1", "payment_id": "p-1", "status": "checked_out", "items": []}
    assert Basket.restore("b-1", state).checkout_rejection == ""

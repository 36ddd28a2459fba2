"""The kiosk's shopping basket: an event-sourced aggregate, its domain events and its errors.

A basket is started for a customer, filled with items (a copy of the store's and product's
names and the price at the time the item is added), then either checked out with a payment
or canceled. Customers and payments are not verified here: the order saga rejects an unknown
or disabled customer and an unusable payment after checkout."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from mallbots.kernel.ddd import (
    DomainEvent,
    EventSourcedAggregate,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    when,
)
from mallbots.kernel.ddd.limits import LINES_MAX, MONEY_MAX, QUANTITY_MAX
from mallbots.kernel.ddd.serde import from_data, to_data

# --- Errors (messages of the original where it had one) -----------------------------------


class BasketNotFound(NotFound):
    default_message = "the basket was not found"


class BasketCannotBeModified(FailedPrecondition):
    default_message = "the basket cannot be modified"


class BasketCannotBeCancelled(FailedPrecondition):
    default_message = "the basket cannot be cancelled"


class BasketHasNoItems(FailedPrecondition):
    default_message = "the basket has no items"


class ProductNotInBasket(FailedPrecondition):
    default_message = "the product is not in the basket"


class CustomerIdCannotBeBlank(InvalidArgument):
    default_message = "the customer id cannot be blank"


class PaymentIdCannotBeBlank(InvalidArgument):
    default_message = "the payment id cannot be blank"


class QuantityCannotBeNegative(InvalidArgument):
    default_message = "the item quantity cannot be negative"


class QuantityTooSmall(InvalidArgument):
    default_message = "the item quantity must be at least 1"


class QuantityTooLarge(InvalidArgument):
    default_message = f"the item quantity cannot exceed {QUANTITY_MAX}"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "quantity", "description": self.default_message}])


class BasketTooManyItems(InvalidArgument):
    default_message = f"the basket cannot hold more than {LINES_MAX} products"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "productId", "description": self.default_message}])


class BasketTotalTooLarge(InvalidArgument):
    default_message = f"the basket total cannot exceed {MONEY_MAX}"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "quantity", "description": self.default_message}])


class ProductNotLocated(NotFound):
    default_message = "product fallback failed: product was not located"


class StoreNotLocated(NotFound):
    default_message = "store fallback failed: store was not located"


# --- Value objects and events -------------------------------------------------------------


class BasketStatus(StrEnum):
    NEW = ""  # no event yet
    OPEN = "open"
    CHECKED_OUT = "checked_out"
    CANCELED = "canceled"


@dataclass(frozen=True)
class Item:
    """A line of the basket: what the product and its store were called, and what it cost,
    when it was added."""

    store_id: str
    product_id: str
    store_name: str
    product_name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True)
class BasketStarted(DomainEvent, name="baskets.BasketStarted"):
    basket_id: str
    customer_id: str


@dataclass(frozen=True)
class BasketItemAdded(DomainEvent, name="baskets.BasketItemAdded"):
    basket_id: str
    item: Item


@dataclass(frozen=True)
class BasketItemRemoved(DomainEvent, name="baskets.BasketItemRemoved"):
    basket_id: str
    product_id: str
    quantity: int


@dataclass(frozen=True)
class BasketCanceled(DomainEvent, name="baskets.BasketCanceled"):
    basket_id: str


@dataclass(frozen=True)
class BasketCheckedOut(DomainEvent, name="baskets.BasketCheckedOut"):
    """Carries what was checked out, so the published event is built from this event alone."""

    basket_id: str
    customer_id: str
    payment_id: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class BasketCheckoutRejected(DomainEvent, name="baskets.BasketCheckoutRejected"):
    """The order made from this basket was rejected; the reason is kept for the customer."""

    basket_id: str
    reason: str


# --- The aggregate ------------------------------------------------------------------------


def _check_quantity(quantity: int) -> None:
    if quantity < 0:
        raise QuantityCannotBeNegative()
    if quantity == 0:
        raise QuantityTooSmall()
    if quantity > QUANTITY_MAX:
        raise QuantityTooLarge()


class Basket(EventSourcedAggregate):
    stream_type = "baskets.Basket"
    snapshot_version = 1
    snapshot_fields = ("customer_id", "payment_id", "status", "checkout_rejection")  # and the items
    customer_id: str
    payment_id: str
    status: BasketStatus
    checkout_rejection: str

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.customer_id = ""
        self.payment_id = ""
        self.status = BasketStatus.NEW
        self.items: dict[str, Item] = {}  # by product id, in the order they were first added
        self.checkout_rejection = ""  # why the order made from this basket was rejected

    @classmethod
    def start(cls, id: str, customer_id: str) -> Basket:
        if not customer_id.strip():
            raise CustomerIdCannotBeBlank()
        basket = cls(id)
        basket.record(BasketStarted(basket_id=id, customer_id=customer_id))
        return basket

    @property
    def is_open(self) -> bool:
        return self.status == BasketStatus.OPEN

    @property
    def total(self) -> Decimal:
        """What the order made from this basket will cost: the lines' prices times quantities."""
        return sum((item.price * item.quantity for item in self.items.values()), Decimal("0"))

    def add_item(
        self,
        *,
        store_id: str,
        store_name: str,
        product_id: str,
        product_name: str,
        price: Decimal,
        quantity: int,
    ) -> None:
        if not self.is_open:
            raise BasketCannotBeModified()
        _check_quantity(quantity)
        # What the order, its copies and its invoice will have to hold (mallbots.kernel.ddd.limits).
        current = self.items.get(product_id)
        if current is None and len(self.items) >= LINES_MAX:
            raise BasketTooManyItems()
        if current is not None and current.quantity + quantity > QUANTITY_MAX:
            raise QuantityTooLarge()
        line_price = current.price if current is not None else price
        if self.total + line_price * quantity > MONEY_MAX:
            raise BasketTotalTooLarge()
        item = Item(
            store_id=store_id,
            product_id=product_id,
            store_name=store_name,
            product_name=product_name,
            price=price,
            quantity=quantity,
        )
        self.record(BasketItemAdded(basket_id=self.id, item=item))

    def remove_item(self, *, product_id: str, quantity: int) -> None:
        """Takes `quantity` off the line; the line goes when nothing of it is left."""
        if not self.is_open:
            raise BasketCannotBeModified()
        _check_quantity(quantity)
        if product_id not in self.items:
            raise ProductNotInBasket()
        self.record(BasketItemRemoved(basket_id=self.id, product_id=product_id, quantity=quantity))

    def cancel(self) -> None:
        if not self.is_open:
            raise BasketCannotBeCancelled()
        self.record(BasketCanceled(basket_id=self.id))

    def checkout(self, payment_id: str) -> None:
        if not self.is_open:
            raise BasketCannotBeModified()
        if not self.items:
            raise BasketHasNoItems()
        if not payment_id.strip():
            raise PaymentIdCannotBeBlank()
        self.record(
            BasketCheckedOut(
                basket_id=self.id,
                customer_id=self.customer_id,
                payment_id=payment_id,
                items=tuple(self.items.values()),
            )
        )

    def report_rejected_checkout(self, reason: str) -> None:
        """The create-order saga rejected the order made from this basket. Only a checked-out
        basket can be reported, once; anything else is ignored (a repeated report)."""
        if self.status is BasketStatus.CHECKED_OUT and not self.checkout_rejection:
            self.record(BasketCheckoutRejected(basket_id=self.id, reason=reason))

    @when(BasketCheckoutRejected)
    def _checkout_rejected(self, event: BasketCheckoutRejected) -> None:
        self.checkout_rejection = event.reason

    @when(BasketStarted)
    def _started(self, event: BasketStarted) -> None:
        self.customer_id = event.customer_id
        self.status = BasketStatus.OPEN

    @when(BasketItemAdded)
    def _item_added(self, event: BasketItemAdded) -> None:
        # Adding a product already in the basket adds to its quantity; the line keeps the
        # names and price it was first added with.
        current = self.items.get(event.item.product_id)
        if current is None:
            self.items[event.item.product_id] = event.item
        else:
            self.items[current.product_id] = replace(current, quantity=current.quantity + event.item.quantity)

    @when(BasketItemRemoved)
    def _item_removed(self, event: BasketItemRemoved) -> None:
        current = self.items.get(event.product_id)
        if current is None:
            return
        left = current.quantity - event.quantity
        if left <= 0:
            del self.items[event.product_id]
        else:
            self.items[event.product_id] = replace(current, quantity=left)

    @when(BasketCanceled)
    def _canceled(self, event: BasketCanceled) -> None:
        self.items = {}
        self.status = BasketStatus.CANCELED

    @when(BasketCheckedOut)
    def _checked_out(self, event: BasketCheckedOut) -> None:
        self.payment_id = event.payment_id
        self.status = BasketStatus.CHECKED_OUT

    # The snapshot is the kernel's (serde, from the annotations) but for the items: a list in the
    # order they were added, since a JSON object's key order does not survive jsonb.

    def snapshot(self) -> dict[str, Any]:
        state = super().snapshot() or {}
        return {**state, "items": [to_data(item) for item in self.items.values()]}

    @classmethod
    def restore(cls, id: str, state: dict[str, Any]) -> Basket:
        basket = cast(Basket, super().restore(id, {k: v for k, v in state.items() if k != "items"}))
        items = (from_data(Item, data) for data in state["items"])
        basket.items = {item.product_id: item for item in items}
        return basket

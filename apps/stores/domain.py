"""The stores context's domain: event-sourced Store and Product aggregates, their events and
errors. Messages of the errors are the original application's, word for word."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mallbots.kernel.ddd import (
    DomainEvent,
    EventSourcedAggregate,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    limits,
    when,
)

# The read model (and every cache and copy of a price) keeps prices as decimal(9, 2).
MAX_PRICE = limits.MONEY_MAX
CENT = Decimal("0.01")

# --- Errors ---------------------------------------------------------------------------------


class StoreNotFound(NotFound):
    default_message = "the store was not found"


class ProductNotFound(NotFound):
    default_message = "product with that ID does not exist"


class StoreNameBlank(InvalidArgument):
    default_message = "the store name cannot be blank"


class StoreLocationBlank(InvalidArgument):
    default_message = "the store location cannot be blank"


class TextTooLong(InvalidArgument):
    """A name, location, description or SKU past its limit (mallbots.kernel.ddd.limits)."""

    @classmethod
    def of(cls, field: str, limit: int) -> TextTooLong:
        message = f"the {field} cannot be longer than {limit} characters"
        return cls(message, details=[{"field": field, "description": message}])


class StoreAlreadyParticipating(InvalidArgument):
    default_message = "the store is already participating"


class StoreAlreadyNotParticipating(InvalidArgument):
    default_message = "the store is already not participating"


class ProductNameBlank(InvalidArgument):
    default_message = "the product name cannot be blank"


class ProductPriceNegative(InvalidArgument):
    default_message = "the product price cannot be negative"


class ProductPriceInvalid(InvalidArgument):
    default_message = f"the product price must be a number of at most {MAX_PRICE} with two decimals"


class PriceChangeWouldBeDecrease(InvalidArgument):
    default_message = "the price change would be a decrease"


class PriceChangeWouldBeIncrease(InvalidArgument):
    default_message = "the price change would be an increase"


class ProductSkuTaken(InvalidArgument):
    """Two products of one store would share a SKU (blank SKUs are not compared)."""

    default_message = "the store already has a product with that SKU"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "sku", "description": self.default_message}])


class ProductRemovedError(FailedPrecondition):
    default_message = "the product has been removed"


# --- Store ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCreated(DomainEvent, name="stores.StoreCreated"):
    store_id: str
    name: str
    location: str


@dataclass(frozen=True)
class StoreParticipationEnabled(DomainEvent, name="stores.StoreParticipationEnabled"):
    store_id: str


@dataclass(frozen=True)
class StoreParticipationDisabled(DomainEvent, name="stores.StoreParticipationDisabled"):
    store_id: str


@dataclass(frozen=True)
class StoreRebranded(DomainEvent, name="stores.StoreRebranded"):
    store_id: str
    name: str


class Store(EventSourcedAggregate):
    """A store of the mall; `participating` says whether bots shop in it."""

    stream_type = "stores.Store"
    snapshot_version = 1
    snapshot_fields = ("name", "location", "participating")
    name: str
    location: str
    participating: bool

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.name = ""
        self.location = ""
        self.participating = False

    @classmethod
    def create(cls, id: str, name: str, location: str) -> Store:
        _require_name(name, StoreNameBlank)
        if not location.strip():
            raise StoreLocationBlank()
        _check_length("location", location)
        store = cls(id)
        store.record(StoreCreated(store_id=id, name=name, location=location))
        return store

    def enable_participation(self) -> None:
        if self.participating:
            raise StoreAlreadyParticipating()
        self.record(StoreParticipationEnabled(store_id=self.id))

    def disable_participation(self) -> None:
        if not self.participating:
            raise StoreAlreadyNotParticipating()
        self.record(StoreParticipationDisabled(store_id=self.id))

    def rebrand(self, name: str) -> None:
        _require_name(name, StoreNameBlank)
        self.record(StoreRebranded(store_id=self.id, name=name))

    @when(StoreCreated)
    def _created(self, event: StoreCreated) -> None:
        self.name = event.name
        self.location = event.location

    @when(StoreParticipationEnabled)
    def _enabled(self, event: StoreParticipationEnabled) -> None:
        self.participating = True

    @when(StoreParticipationDisabled)
    def _disabled(self, event: StoreParticipationDisabled) -> None:
        self.participating = False

    @when(StoreRebranded)
    def _rebranded(self, event: StoreRebranded) -> None:
        self.name = event.name


# --- Product --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductAdded(DomainEvent, name="stores.ProductAdded"):
    product_id: str
    store_id: str
    name: str
    description: str
    sku: str
    price: Decimal


@dataclass(frozen=True)
class ProductRebranded(DomainEvent, name="stores.ProductRebranded"):
    product_id: str
    name: str
    description: str


@dataclass(frozen=True)
class ProductPriceIncreased(DomainEvent, name="stores.ProductPriceIncreased"):
    """`delta` = new price - old price (zero or more); `price` is the new price."""

    product_id: str
    delta: Decimal
    price: Decimal


@dataclass(frozen=True)
class ProductPriceDecreased(DomainEvent, name="stores.ProductPriceDecreased"):
    """`delta` = new price - old price (zero or less); `price` is the new price."""

    product_id: str
    delta: Decimal
    price: Decimal


@dataclass(frozen=True)
class ProductRemoved(DomainEvent, name="stores.ProductRemoved"):
    product_id: str


class Product(EventSourcedAggregate):
    """A product a store sells. A removed product stays in the history but takes no more changes."""

    stream_type = "stores.Product"
    snapshot_version = 1
    snapshot_fields = ("store_id", "name", "description", "sku", "price", "removed")
    store_id: str
    name: str
    description: str
    sku: str
    price: Decimal
    removed: bool

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.store_id = ""
        self.name = ""
        self.description = ""
        self.sku = ""
        self.price = Decimal("0")
        self.removed = False

    @classmethod
    def add(cls, id: str, *, store: Store, name: str, description: str, sku: str, price: Decimal) -> Product:
        """Add a product to `store`, which the caller loaded: a product needs an existing store."""
        _require_name(name, ProductNameBlank)
        _check_length("description", description, limits.DESCRIPTION_MAX_LENGTH)
        _check_length("sku", sku)
        price = _valid_price(price)
        product = cls(id)
        product.record(
            ProductAdded(
                product_id=id,
                store_id=store.id,
                name=name,
                description=description,
                sku=sku,
                price=price,
            )
        )
        return product

    def rebrand(self, name: str, description: str) -> None:
        self._require_not_removed()
        _require_name(name, ProductNameBlank)
        _check_length("description", description, limits.DESCRIPTION_MAX_LENGTH)
        self.record(ProductRebranded(product_id=self.id, name=name, description=description))

    def increase_price(self, price: Decimal) -> None:
        """`price` is the new price; it may equal the current one, as in the original."""
        self._require_not_removed()
        price = _valid_price(price)
        if price < self.price:
            raise PriceChangeWouldBeDecrease()
        self.record(ProductPriceIncreased(product_id=self.id, delta=price - self.price, price=price))

    def decrease_price(self, price: Decimal) -> None:
        """`price` is the new price; it may equal the current one, as in the original."""
        self._require_not_removed()
        price = _valid_price(price)
        if price > self.price:
            raise PriceChangeWouldBeIncrease()
        self.record(ProductPriceDecreased(product_id=self.id, delta=price - self.price, price=price))

    def remove(self) -> None:
        self._require_not_removed()
        self.record(ProductRemoved(product_id=self.id))

    def _require_not_removed(self) -> None:
        if self.removed:
            raise ProductRemovedError()

    @when(ProductAdded)
    def _added(self, event: ProductAdded) -> None:
        self.store_id = event.store_id
        self.name = event.name
        self.description = event.description
        self.sku = event.sku
        self.price = event.price

    @when(ProductRebranded)
    def _rebranded(self, event: ProductRebranded) -> None:
        self.name = event.name
        self.description = event.description

    @when(ProductPriceIncreased)
    def _price_increased(self, event: ProductPriceIncreased) -> None:
        self.price = event.price

    @when(ProductPriceDecreased)
    def _price_decreased(self, event: ProductPriceDecreased) -> None:
        self.price = event.price

    @when(ProductRemoved)
    def _removed(self, event: ProductRemoved) -> None:
        self.removed = True


# --- Rules shared by both aggregates --------------------------------------------------------


def _require_name(name: str, error: type[InvalidArgument]) -> None:
    if not name.strip():
        raise error()
    _check_length("name", name)


def _check_length(field: str, text: str, limit: int = limits.NAME_MAX_LENGTH) -> None:
    if limits.too_long(text, limit):
        raise TextTooLong.of(field, limit)


def _valid_price(price: Decimal) -> Decimal:
    """The price with exactly two decimals, or an error when it is no price at all."""
    if not price.is_finite():
        raise ProductPriceInvalid()
    if price < 0:
        raise ProductPriceNegative()
    if price > MAX_PRICE or price != price.quantize(CENT):
        raise ProductPriceInvalid()
    return price.quantize(CENT)

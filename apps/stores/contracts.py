"""Published language of the stores context: the integration events it publishes and the
open-host queries other contexts may call (frozen dataclasses, never models)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mallbots.kernel.messaging.api import IntegrationEvent

from . import selectors

# --- Integration events (names and fields of the original, version 1) ---------------------


@dataclass(frozen=True)
class StoreCreated(IntegrationEvent, name="storesapi.StoreCreated", producer="stores"):
    id: str
    name: str
    location: str


@dataclass(frozen=True)
class StoreParticipatingToggled(
    IntegrationEvent, name="storesapi.StoreParticipatingToggled", producer="stores"
):
    id: str
    participating: bool


@dataclass(frozen=True)
class StoreRebranded(IntegrationEvent, name="storesapi.StoreRebranded", producer="stores"):
    id: str
    name: str


@dataclass(frozen=True)
class ProductAdded(IntegrationEvent, name="storesapi.ProductAdded", producer="stores"):
    id: str
    store_id: str
    name: str
    description: str
    sku: str
    price: Decimal


@dataclass(frozen=True)
class ProductRebranded(IntegrationEvent, name="storesapi.ProductRebranded", producer="stores"):
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class ProductPriceIncreased(IntegrationEvent, name="storesapi.ProductPriceIncreased", producer="stores"):
    """`delta` as in the original; `price` is the new price, so consumers need no arithmetic."""

    id: str
    delta: Decimal
    price: Decimal


@dataclass(frozen=True)
class ProductPriceDecreased(IntegrationEvent, name="storesapi.ProductPriceDecreased", producer="stores"):
    """`delta` is negative, as in the original; `price` is the new price."""

    id: str
    delta: Decimal
    price: Decimal


@dataclass(frozen=True)
class ProductRemoved(IntegrationEvent, name="storesapi.ProductRemoved", producer="stores"):
    id: str


# --- Open-host queries ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreInfo:
    id: str
    name: str
    location: str
    participating: bool


@dataclass(frozen=True)
class ProductInfo:
    id: str
    store_id: str
    name: str
    description: str
    sku: str
    price: Decimal


def get_store(store_id: str) -> StoreInfo | None:
    """The store, or None when there is no such store."""
    store = selectors.store_find(store_id=store_id)
    if store is None:
        return None
    return StoreInfo(
        id=str(store.id), name=store.name, location=store.location, participating=store.participating
    )


def get_product(product_id: str) -> ProductInfo | None:
    """The product, or None when there is no such product or it was removed."""
    product = selectors.product_find(product_id=product_id)
    if product is None:
        return None
    return ProductInfo(
        id=str(product.id),
        store_id=str(product.store_id),
        name=product.name,
        description=product.description,
        sku=product.sku,
        price=product.price,
    )

"""Commands of the stores context: one function per use case, each one transaction (load, one
aggregate method, save), retried when it loses a concurrency race."""

from __future__ import annotations

import uuid
from decimal import Decimal

from mallbots.kernel.eventstore.api import AggregateRepository
from mallbots.kernel.uow import command

from .domain import Product, ProductNotFound, ProductSkuTaken, Store, StoreNotFound
from .models import Product as ProductRow
from .models import Store as StoreRow

stores = AggregateRepository(Store, not_found=StoreNotFound)
products = AggregateRepository(Product, not_found=ProductNotFound)


@command
def store_create(*, name: str, location: str) -> str:
    """Returns the new store's id."""
    store_id = str(uuid.uuid4())
    stores.save(Store.create(store_id, name, location))
    return store_id


@command
def store_enable_participation(*, store_id: str) -> None:
    store = stores.get(store_id)
    store.enable_participation()
    stores.save(store)


@command
def store_disable_participation(*, store_id: str) -> None:
    store = stores.get(store_id)
    store.disable_participation()
    stores.save(store)


@command
def store_rebrand(*, store_id: str, name: str) -> None:
    store = stores.get(store_id)
    store.rebrand(name)
    stores.save(store)


@command
def product_add(*, store_id: str, name: str, description: str, sku: str, price: Decimal) -> str:
    """Returns the new product's id. The store must exist (StoreNotFound otherwise) and have no
    other product with this SKU (ProductSkuTaken)."""
    store = stores.get(store_id)
    if sku and _sku_taken(store_id, sku):
        raise ProductSkuTaken()
    product_id = str(uuid.uuid4())
    product = Product.add(product_id, store=store, name=name, description=description, sku=sku, price=price)
    products.save(product)
    return product_id


@command
def product_rebrand(*, product_id: str, name: str, description: str) -> None:
    product = products.get(product_id)
    product.rebrand(name, description)
    products.save(product)


@command
def product_increase_price(*, product_id: str, price: Decimal) -> None:
    """`price` is the new price, not the increment."""
    product = products.get(product_id)
    product.increase_price(price)
    products.save(product)


@command
def product_decrease_price(*, product_id: str, price: Decimal) -> None:
    """`price` is the new price, not the decrement."""
    product = products.get(product_id)
    product.decrease_price(price)
    products.save(product)


@command
def product_remove(*, product_id: str) -> None:
    product = products.get(product_id)
    product.remove()
    products.save(product)


def _sku_taken(store_id: str, sku: str) -> bool:
    """Whether the store's catalog (the read model, projected in the adding transaction) has the
    SKU. The store's row is locked first, so two adds of one SKU to a store run one after the
    other and the second sees the first."""
    list(StoreRow.objects.select_for_update().filter(id=store_id).values_list("id", flat=True))
    return ProductRow.objects.filter(store_id=store_id, sku=sku).exists()

"""Queries of the stores context's read models, for the API, the admin and contracts.py."""

from __future__ import annotations

from django.db.models import QuerySet

from .domain import ProductNotFound, StoreNotFound
from .models import Product, Store


def store_find(*, store_id: str) -> Store | None:
    return Store.objects.filter(id=store_id).first()


def store_get(*, store_id: str) -> Store:
    store = store_find(store_id=store_id)
    if store is None:
        raise StoreNotFound()
    return store


def store_list_all() -> QuerySet[Store]:
    return Store.objects.order_by("name", "id")


def store_list_participating() -> QuerySet[Store]:
    return Store.objects.filter(participating=True).order_by("name", "id")


def product_find(*, product_id: str) -> Product | None:
    """The product, or None when there is no such product or it was removed (removing deletes
    the row)."""
    return Product.objects.filter(id=product_id).first()


def product_get(*, product_id: str) -> Product:
    product = product_find(product_id=product_id)
    if product is None:
        raise ProductNotFound()
    return product


def product_list_by_store(*, store_id: str) -> QuerySet[Product]:
    """The catalog of a store; StoreNotFound when there is no such store."""
    if not Store.objects.filter(id=store_id).exists():
        raise StoreNotFound()
    return Product.objects.filter(store_id=store_id).order_by("name", "id")

"""Queries of the baskets context: the basket read model and the stores caches."""

from __future__ import annotations

from .domain import BasketNotFound
from .models import Basket, ProductCache, StoreCache


def basket_get(*, basket_id: str) -> Basket:
    try:
        return Basket.objects.get(id=basket_id)
    except Basket.DoesNotExist:
        raise BasketNotFound()


def product_cache_find(*, product_id: str) -> ProductCache | None:
    """The cached product; None when nothing is cached."""
    return ProductCache.objects.filter(id=product_id).first()


def store_cache_find(*, store_id: str) -> StoreCache | None:
    """The cached store; None when nothing is cached."""
    return StoreCache.objects.filter(id=store_id).first()

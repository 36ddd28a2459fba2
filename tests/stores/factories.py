"""Stores and products made the way the system makes them: through the services, so their
events, read model rows and outbox rows are all real. Each factory returns the read model row."""

from __future__ import annotations

from decimal import Decimal

import factory

from apps.stores import services
from apps.stores.models import Product, Store


class StoreFactory(factory.Factory):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n:03d}")
    location = factory.Sequence(lambda n: f"Level {n % 3}, unit {n}")
    participating = False

    @classmethod
    def _create(cls, model_class: type[Store], name: str, location: str, participating: bool) -> Store:
        store_id = services.store_create(name=name, location=location)
        if participating:
            services.store_enable_participation(store_id=store_id)
        return model_class.objects.get(id=store_id)


class ProductFactory(factory.Factory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Product {n:03d}")
    description = factory.Sequence(lambda n: f"Description of product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("9.99")

    @classmethod
    def _create(cls, model_class: type[Product], store: Store, **fields: object) -> Product:
        product_id = services.product_add(store_id=store.id, **fields)  # type: ignore[arg-type]
        return model_class.objects.get(id=product_id)

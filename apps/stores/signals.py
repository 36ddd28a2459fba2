"""Receivers of the stores context's domain events, in the command's transaction: the read
model projections, and the translation into the integration events of contracts.py. What is
published is built from the event itself, never from a read model: receivers run in no
particular order."""

from __future__ import annotations

from mallbots.kernel.eventstore.api import Projection, handles
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts
from .domain import (
    ProductAdded,
    ProductPriceDecreased,
    ProductPriceIncreased,
    ProductRebranded,
    ProductRemoved,
    StoreCreated,
    StoreParticipationDisabled,
    StoreParticipationEnabled,
    StoreRebranded,
)
from .models import Product, Store

# --- Projections ----------------------------------------------------------------------------


class StoreProjection(Projection):
    name = "stores.stores"
    stream_types = ("stores.Store",)

    @handles(StoreCreated)
    def created(self, record: Recorded[StoreCreated]) -> None:
        event = record.event
        Store.objects.create(id=event.store_id, name=event.name, location=event.location)

    @handles(StoreParticipationEnabled)
    def enabled(self, record: Recorded[StoreParticipationEnabled]) -> None:
        Store.objects.filter(id=record.stream_id).update(participating=True)

    @handles(StoreParticipationDisabled)
    def disabled(self, record: Recorded[StoreParticipationDisabled]) -> None:
        Store.objects.filter(id=record.stream_id).update(participating=False)

    @handles(StoreRebranded)
    def rebranded(self, record: Recorded[StoreRebranded]) -> None:
        event = record.event
        Store.objects.filter(id=record.stream_id).update(name=event.name)

    def forget(self, stream_type: str, stream_id: str) -> None:
        Store.objects.filter(id=stream_id).delete()


class ProductProjection(Projection):
    """The catalog. A removed product's row is deleted, as in the original."""

    name = "stores.products"
    stream_types = ("stores.Product",)

    @handles(ProductAdded)
    def added(self, record: Recorded[ProductAdded]) -> None:
        event = record.event
        Product.objects.create(
            id=event.product_id,
            store_id=event.store_id,
            name=event.name,
            description=event.description,
            sku=event.sku,
            price=event.price,
        )

    @handles(ProductRebranded)
    def rebranded(self, record: Recorded[ProductRebranded]) -> None:
        event = record.event
        Product.objects.filter(id=record.stream_id).update(name=event.name, description=event.description)

    @handles(ProductPriceIncreased, ProductPriceDecreased)
    def price_changed(self, record: Recorded[ProductPriceIncreased | ProductPriceDecreased]) -> None:
        event = record.event
        Product.objects.filter(id=record.stream_id).update(price=event.price)

    @handles(ProductRemoved)
    def removed(self, record: Recorded[ProductRemoved]) -> None:
        Product.objects.filter(id=record.stream_id).delete()

    def forget(self, stream_type: str, stream_id: str) -> None:
        Product.objects.filter(id=stream_id).delete()


# --- Integration events ---------------------------------------------------------------------


@receiver(StoreCreated)
def publish_store_created(record: Recorded[StoreCreated]) -> None:
    event = record.event
    publish(contracts.StoreCreated(id=event.store_id, name=event.name, location=event.location))


@receiver(StoreParticipationEnabled, StoreParticipationDisabled)
def publish_store_participating_toggled(
    record: Recorded[StoreParticipationEnabled | StoreParticipationDisabled],
) -> None:
    # One integration event for both, as in the original.
    event = record.event
    publish(
        contracts.StoreParticipatingToggled(
            id=event.store_id, participating=isinstance(event, StoreParticipationEnabled)
        )
    )


@receiver(StoreRebranded)
def publish_store_rebranded(record: Recorded[StoreRebranded]) -> None:
    event = record.event
    publish(contracts.StoreRebranded(id=event.store_id, name=event.name))


@receiver(ProductAdded)
def publish_product_added(record: Recorded[ProductAdded]) -> None:
    event = record.event
    publish(
        contracts.ProductAdded(
            id=event.product_id,
            store_id=event.store_id,
            name=event.name,
            description=event.description,
            sku=event.sku,
            price=event.price,
        )
    )


@receiver(ProductRebranded)
def publish_product_rebranded(record: Recorded[ProductRebranded]) -> None:
    event = record.event
    publish(contracts.ProductRebranded(id=event.product_id, name=event.name, description=event.description))


@receiver(ProductPriceIncreased)
def publish_product_price_increased(record: Recorded[ProductPriceIncreased]) -> None:
    event = record.event
    publish(contracts.ProductPriceIncreased(id=event.product_id, delta=event.delta, price=event.price))


@receiver(ProductPriceDecreased)
def publish_product_price_decreased(record: Recorded[ProductPriceDecreased]) -> None:
    event = record.event
    publish(contracts.ProductPriceDecreased(id=event.product_id, delta=event.delta, price=event.price))


@receiver(ProductRemoved)
def publish_product_removed(record: Recorded[ProductRemoved]) -> None:
    event = record.event
    publish(contracts.ProductRemoved(id=event.product_id))

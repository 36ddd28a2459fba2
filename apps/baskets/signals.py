"""Receivers of the basket's domain events: the read model projection, and the translation
into the integration events of contracts.py (partition key: the basket id)."""

from __future__ import annotations

from mallbots.kernel.ddd import DomainEvent
from mallbots.kernel.ddd.serde import to_data
from mallbots.kernel.eventstore.api import Projection, handles
from mallbots.kernel.messaging.api import metrics, publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts
from .domain import (
    BasketCanceled,
    BasketCheckedOut,
    BasketCheckoutRejected,
    BasketItemAdded,
    BasketItemRemoved,
    BasketStarted,
    Item,
)
from .models import Basket as BasketView


class BasketProjection(Projection):
    """One row per basket. Every command on a basket appends under the stream's lock, so the
    row is changed by one transaction at a time."""

    name = "baskets.baskets"
    stream_types = ("baskets.Basket",)

    @handles(BasketStarted)
    def started(self, record: Recorded[BasketStarted]) -> None:
        event = record.event
        BasketView.objects.create(
            id=event.basket_id,
            customer_id=event.customer_id,
            status=BasketView.Status.OPEN,
            items=[],
            version=record.version,
            started_at=record.occurred_at,
            updated_at=record.occurred_at,
        )

    @handles(BasketItemAdded)
    def item_added(self, record: Recorded[BasketItemAdded]) -> None:
        event = record.event
        view = BasketView.objects.get(id=record.stream_id)
        for line in view.items:
            if line["product_id"] == event.item.product_id:
                line["quantity"] += event.item.quantity
                break
        else:
            view.items.append(to_data(event.item))
        self._save(view, record)

    @handles(BasketItemRemoved)
    def item_removed(self, record: Recorded[BasketItemRemoved]) -> None:
        event = record.event
        view = BasketView.objects.get(id=record.stream_id)
        for line in view.items:
            if line["product_id"] == event.product_id:
                line["quantity"] -= event.quantity
        view.items = [line for line in view.items if line["quantity"] > 0]
        self._save(view, record)

    @handles(BasketCanceled)
    def canceled(self, record: Recorded[BasketCanceled]) -> None:
        view = BasketView.objects.get(id=record.stream_id)
        view.items = []
        view.status = BasketView.Status.CANCELED
        self._save(view, record)

    @handles(BasketCheckedOut)
    def checked_out(self, record: Recorded[BasketCheckedOut]) -> None:
        event = record.event
        view = BasketView.objects.get(id=record.stream_id)
        view.payment_id = event.payment_id
        view.status = BasketView.Status.CHECKED_OUT
        self._save(view, record)

    @handles(BasketCheckoutRejected)
    def checkout_rejected(self, record: Recorded[BasketCheckoutRejected]) -> None:
        event = record.event
        view = BasketView.objects.get(id=record.stream_id)
        view.checkout_rejection = event.reason
        self._save(view, record)

    def _save(self, view: BasketView, record: Recorded[DomainEvent]) -> None:
        view.version = record.version
        view.updated_at = record.occurred_at
        view.save()

    def forget(self, stream_type: str, stream_id: str) -> None:
        BasketView.objects.filter(id=stream_id).delete()


@receiver(BasketStarted)
def count_basket_started(record: Recorded[BasketStarted]) -> None:
    metrics.count_on_commit(metrics.baskets_started)


@receiver(BasketCheckedOut)
def count_basket_checked_out(record: Recorded[BasketCheckedOut]) -> None:
    metrics.count_on_commit(metrics.baskets_checked_out)


# --- Integration events, built from the domain event alone ---------------------------------


@receiver(BasketStarted)
def publish_basket_started(record: Recorded[BasketStarted]) -> None:
    event = record.event
    publish(contracts.BasketStarted(id=event.basket_id, customer_id=event.customer_id))


@receiver(BasketCanceled)
def publish_basket_canceled(record: Recorded[BasketCanceled]) -> None:
    event = record.event
    publish(contracts.BasketCanceled(id=event.basket_id))


def _published_item(item: Item) -> contracts.BasketItem:
    return contracts.BasketItem(
        store_id=item.store_id,
        product_id=item.product_id,
        store_name=item.store_name,
        product_name=item.product_name,
        price=item.price,
        quantity=item.quantity,
    )


@receiver(BasketCheckedOut)
def publish_basket_checked_out(record: Recorded[BasketCheckedOut]) -> None:
    event = record.event
    publish(
        contracts.BasketCheckedOut(
            id=event.basket_id,
            customer_id=event.customer_id,
            payment_id=event.payment_id,
            items=tuple(_published_item(item) for item in event.items),
        )
    )

"""Receivers of the order's domain events: the read model projection, and the translation of
every domain event into the integration event of contracts.py (partition key: the order id)."""

from __future__ import annotations

from typing import Any

from mallbots.kernel.ddd import DomainEvent
from mallbots.kernel.ddd.serde import to_data
from mallbots.kernel.eventstore.api import Projection, handles
from mallbots.kernel.messaging.api import metrics, publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts, saga
from .domain import (
    Item,
    OrderApproved,
    OrderCanceled,
    OrderCompleted,
    OrderCreated,
    OrderInProgress,
    OrderReadied,
    OrderRejected,
    SagaMode,
)
from .models import Order as OrderView


class OrderProjection(Projection):
    """One row per order. Every command on an order appends under the stream's lock, so the row
    is changed by one transaction at a time."""

    name = "ordering.orders"
    stream_types = ("ordering.Order",)

    @handles(OrderCreated)
    def created(self, record: Recorded[OrderCreated]) -> None:
        event = record.event
        OrderView.objects.create(
            id=event.order_id,
            customer_id=event.customer_id,
            payment_id=event.payment_id,
            status=OrderView.Status.PENDING,
            saga=event.saga.value,
            total=event.total,
            items=[to_data(item) for item in event.items],
            version=record.version,
            created_at=record.occurred_at,
            updated_at=record.occurred_at,
        )

    @handles(OrderApproved)
    def approved(self, record: Recorded[OrderApproved]) -> None:
        event = record.event
        self._update(record, status=OrderView.Status.APPROVED, shopping_id=event.shopping_id)

    @handles(OrderRejected)
    def rejected(self, record: Recorded[OrderRejected]) -> None:
        event = record.event
        self._update(record, status=OrderView.Status.REJECTED, rejection_reason=event.reason)

    @handles(OrderInProgress)
    def in_progress(self, record: Recorded[OrderInProgress]) -> None:
        event = record.event
        self._update(record, status=OrderView.Status.IN_PROGRESS, bot_id=event.bot_id)

    @handles(OrderReadied)
    def readied(self, record: Recorded[OrderReadied]) -> None:
        self._update(record, status=OrderView.Status.READY)

    @handles(OrderCompleted)
    def completed(self, record: Recorded[OrderCompleted]) -> None:
        event = record.event
        self._update(record, status=OrderView.Status.COMPLETED, invoice_id=event.invoice_id)

    @handles(OrderCanceled)
    def canceled(self, record: Recorded[OrderCanceled]) -> None:
        self._update(record, status=OrderView.Status.CANCELLED)

    def _update(self, record: Recorded[DomainEvent], **fields: Any) -> None:
        OrderView.objects.filter(id=record.stream_id).update(
            **fields, version=record.version, updated_at=record.occurred_at
        )

    def forget(self, stream_type: str, stream_id: str) -> None:
        OrderView.objects.filter(id=stream_id).delete()


# --- Metrics -------------------------------------------------------------------------------


@receiver(OrderApproved, OrderRejected)
def observe_saga_duration(record: Recorded[OrderApproved | OrderRejected]) -> None:
    """The create-order saga's duration: from the order's creation (the checkout) to now."""
    created_at = OrderView.objects.filter(id=record.stream_id).values_list("created_at", flat=True).first()
    if created_at is not None:
        outcome = "approved" if isinstance(record.event, OrderApproved) else "rejected"
        metrics.observe_saga_on_commit(outcome, created_at)


@receiver(OrderCompleted)
def count_order_completed(record: Recorded[OrderCompleted]) -> None:
    metrics.count_on_commit(metrics.orders_completed)


# --- Integration events, built from the domain event alone ---------------------------------


def _published_item(item: Item) -> contracts.OrderItem:
    return contracts.OrderItem(
        product_id=item.product_id,
        store_id=item.store_id,
        product_name=item.product_name,
        store_name=item.store_name,
        price=item.price,
        quantity=item.quantity,
    )


@receiver(OrderCreated)
def start_orchestrated_saga(record: Recorded[OrderCreated]) -> None:
    """An order created in orchestration mode starts its CreateOrderSaga, in the same
    transaction; a choreographed one is carried by the participants' reactions to OrderCreated."""
    event = record.event
    if event.saga == SagaMode.ORCHESTRATION:
        saga.start(event)


@receiver(OrderCreated)
def publish_order_created(record: Recorded[OrderCreated]) -> None:
    event = record.event
    publish(
        contracts.OrderCreated(
            id=event.order_id,
            customer_id=event.customer_id,
            payment_id=event.payment_id,
            shopping_id="",
            total=event.total,
            items=tuple(_published_item(item) for item in event.items),
            saga=event.saga.value,
        )
    )


@receiver(OrderApproved)
def publish_order_approved(record: Recorded[OrderApproved]) -> None:
    event = record.event
    publish(
        contracts.OrderApproved(
            id=event.order_id,
            customer_id=event.customer_id,
            payment_id=event.payment_id,
            shopping_id=event.shopping_id,
        )
    )


@receiver(OrderRejected)
def publish_order_rejected(record: Recorded[OrderRejected]) -> None:
    event = record.event
    publish(
        contracts.OrderRejected(
            id=event.order_id, customer_id=event.customer_id, payment_id=event.payment_id, reason=event.reason
        )
    )


@receiver(OrderInProgress)
def publish_order_in_progress(record: Recorded[OrderInProgress]) -> None:
    event = record.event
    publish(
        contracts.OrderInProgress(
            id=event.order_id,
            customer_id=event.customer_id,
            shopping_id=event.shopping_id,
            bot_id=event.bot_id,
        )
    )


@receiver(OrderReadied)
def publish_order_readied(record: Recorded[OrderReadied]) -> None:
    event = record.event
    publish(
        contracts.OrderReadied(
            id=event.order_id, customer_id=event.customer_id, payment_id=event.payment_id, total=event.total
        )
    )


@receiver(OrderCanceled)
def publish_order_canceled(record: Recorded[OrderCanceled]) -> None:
    event = record.event
    publish(
        contracts.OrderCanceled(
            id=event.order_id,
            customer_id=event.customer_id,
            payment_id=event.payment_id,
            shopping_id=event.shopping_id,
        )
    )


@receiver(OrderCompleted)
def publish_order_completed(record: Recorded[OrderCompleted]) -> None:
    event = record.event
    publish(
        contracts.OrderCompleted(
            id=event.order_id, customer_id=event.customer_id, invoice_id=event.invoice_id
        )
    )

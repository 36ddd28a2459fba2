"""Domain events of the depot context translated into its integration events (outbox, same
transaction). Each payload is built from the event alone. The bot's own events stay inside
the context: the list's events already say which bot took or left it."""

from __future__ import annotations

from mallbots.kernel.messaging.api import publish
from mallbots.kernel.uow import Recorded, receiver

from . import contracts
from .domain import (
    ShoppingListAssigned,
    ShoppingListCanceled,
    ShoppingListCompleted,
    ShoppingListCreated,
    ShoppingListInitiated,
    ShoppingListRefused,
)


@receiver(ShoppingListCreated)
def publish_shopping_list_created(record: Recorded[ShoppingListCreated]) -> None:
    event = record.event
    publish(contracts.ShoppingListCreated(id=event.shopping_list_id, order_id=event.order_id))


@receiver(ShoppingListInitiated)
def publish_shopping_list_initiated(record: Recorded[ShoppingListInitiated]) -> None:
    event = record.event
    publish(contracts.ShoppingListInitiated(id=event.shopping_list_id, order_id=event.order_id))


@receiver(ShoppingListAssigned)
def publish_shopping_list_assigned(record: Recorded[ShoppingListAssigned]) -> None:
    event = record.event
    publish(
        contracts.ShoppingListAssigned(
            id=event.shopping_list_id, order_id=event.order_id, bot_id=event.bot_id
        )
    )


@receiver(ShoppingListCompleted)
def publish_shopping_list_completed(record: Recorded[ShoppingListCompleted]) -> None:
    event = record.event
    publish(contracts.ShoppingListCompleted(id=event.shopping_list_id, order_id=event.order_id))


@receiver(ShoppingListCanceled)
def publish_shopping_list_canceled(record: Recorded[ShoppingListCanceled]) -> None:
    event = record.event
    publish(contracts.ShoppingListCanceled(id=event.shopping_list_id, order_id=event.order_id))


# --- Refusals of the create-order saga -----------------------------------------------------


@receiver(ShoppingListRefused)
def publish_shopping_list_refused(record: Recorded[ShoppingListRefused]) -> None:
    event = record.event
    publish(contracts.ShoppingListCreationFailed(order_id=event.order_id, reason=event.reason))

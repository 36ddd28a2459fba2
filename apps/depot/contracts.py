"""Published language of the depot context. Shopping-list events are keyed by the order id
(one list per order), so each order's messages stay in order for consumers that ask."""

from __future__ import annotations

from dataclasses import dataclass

from mallbots.kernel.messaging.api import Command, IntegrationEvent, Reply

from . import selectors


@dataclass(frozen=True)
class ShoppingListCreated(
    IntegrationEvent, name="depotapi.ShoppingListCreated", producer="depot", partition_by="order_id"
):
    id: str
    order_id: str


@dataclass(frozen=True)
class ShoppingListCreationFailed(
    IntegrationEvent, name="depotapi.ShoppingListCreationFailed", producer="depot", partition_by="order_id"
):
    order_id: str
    reason: str


@dataclass(frozen=True)
class ShoppingListInitiated(
    IntegrationEvent, name="depotapi.ShoppingListInitiated", producer="depot", partition_by="order_id"
):
    """The list is available to bots: the last step of the create-order saga."""

    id: str
    order_id: str


@dataclass(frozen=True)
class ShoppingListAssigned(
    IntegrationEvent, name="depotapi.ShoppingListAssigned", producer="depot", partition_by="order_id"
):
    id: str
    order_id: str
    bot_id: str


@dataclass(frozen=True)
class ShoppingListCompleted(
    IntegrationEvent, name="depotapi.ShoppingListCompleted", producer="depot", partition_by="order_id"
):
    id: str
    order_id: str


@dataclass(frozen=True)
class ShoppingListCanceled(
    IntegrationEvent, name="depotapi.ShoppingListCanceled", producer="depot", partition_by="order_id"
):
    id: str
    order_id: str


# --- Commands and replies (the orchestrated create-order saga, docs/saga.md) ------------------


@dataclass(frozen=True)
class ShoppingItem:
    product_id: str
    store_id: str
    product_name: str
    quantity: int


@dataclass(frozen=True)
class CreateShoppingList(
    Command, name="depotapi.CreateShoppingListCommand", owner="depot", partition_by="order_id"
):
    """The order's shopping list, pending: CreatedShoppingList with its id, or Failed with the
    reason (a product no longer sold, a store not found, the order canceled meanwhile)."""

    order_id: str
    items: tuple[ShoppingItem, ...]


@dataclass(frozen=True)
class CreatedShoppingList(Reply, name="depotapi.CreatedShoppingListReply", producer="depot"):
    id: str  # the shopping list's id


@dataclass(frozen=True)
class CancelShoppingList(
    Command, name="depotapi.CancelShoppingListCommand", owner="depot", partition_by="order_id"
):
    """Compensation: the order's list, if it has one not completed yet, is canceled (its bot
    freed). Keyed by order: a step that timed out may have created a list the saga never
    heard of."""

    order_id: str


@dataclass(frozen=True)
class InitiateShopping(
    Command, name="depotapi.InitiateShoppingCommand", owner="depot", partition_by="order_id"
):
    """The order's pending list becomes available to bots; Failed when it was canceled."""

    order_id: str


# --- Open-host queries ------------------------------------------------------------------------


def count_bots_by_status() -> dict[str, int]:
    """How many bots are idle and how many active: {"idle": n, "active": m}."""
    return selectors.bot_count_by_status()


def bot_names(bot_ids: list[str]) -> dict[str, str]:
    """{id: name} of the known bots among `bot_ids`, in one query."""
    from . import selectors

    return selectors.bot_names(bot_ids=bot_ids)

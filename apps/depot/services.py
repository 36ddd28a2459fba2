"""Commands of the depot context: the shopping list's and the bot's use cases, the saga steps
keyed by order id, and the upkeep of the order copies and the stores caches.

Each command is one transaction under one message context (`command`). A shopping list's
events, and the integration events they become, carry the list's order id as correlation id
whoever runs the command (the repository dispatches them under it); handlers, the API and the
admin also run their commands under the order id (`message_context.use(correlation_id=...)`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Literal

from django.utils import timezone

from apps.stores import contracts as stores
from mallbots.kernel.ddd import DomainError
from mallbots.kernel.uow import command

from . import selectors
from .domain import (
    Bot,
    OrderCopy,
    OrderCopyStatus,
    OrderLine,
    Pick,
    ProductNoLongerSold,
    ProductNotInStore,
    ShoppingList,
    ShoppingListCannotBeInitiated,
    ShoppingListStatus,
    StoreNotFound,
    check_lines,
)
from .models import ProductCache, StoreCache
from .repository import bots, order_copies, shopping_lists

logger = logging.getLogger(__name__)

# --- Shopping lists ---------------------------------------------------------------------------


@command
def shopping_list_create(*, order_id: str, items: Sequence[OrderLine]) -> str:
    """Creates the order's shopping list, `pending`, and returns its id: one stop per store,
    the quantities of a product summed. Every product must still be sold (ProductNoLongerSold)
    by the store the item names (ProductNotInStore), and the store must be known
    (StoreNotFound). A second creation for the same order changes nothing and returns the id of
    the list the order already has."""
    check_lines(order_id, items)
    existing = selectors.shopping_list_find_by_order(order_id=order_id)
    if existing is not None:
        return existing.id
    picks = [_pick(line) for line in items]
    return shopping_lists.add_once(ShoppingList.create(str(uuid.uuid4()), order_id, picks))


@command
def shopping_list_create_for_order(*, order_id: str) -> str | None:
    """Create-order saga, step 3 (docs/saga.md), once the customer is authorized: the list of
    the order's items, as kept from ordersapi.OrderCreated. A refusal (a product no longer sold,
    a store not found) is an outcome of the saga: the order's copy records it
    (ShoppingListRefused, published as ShoppingListCreationFailed), it is not an error of this
    command. An order rejected or canceled meanwhile gets no list."""
    order = order_copies.get_for_update(order_id)
    if not order.open:
        logger.info("order %s is %s: no shopping list created", order_id, order.status)
        return None
    try:
        return shopping_list_create(order_id=order_id, items=order.lines)  # a savepoint: undone on refusal
    except DomainError as refusal:
        order.refuse_shopping_list(refusal)
        order_copies.save(order)
        return None


@command
def shopping_list_initiate_for_order(*, order_id: str) -> bool:
    """Create-order saga, step 5, once the payment is confirmed: the order's pending list
    becomes available to bots. A list canceled meanwhile (or already initiated) stays as it is.
    Returns whether the order's list is available now."""
    shopping_list = shopping_lists.find_by_order_for_update(order_id)
    if shopping_list is None:
        logger.warning("order %s has no shopping list: nothing to initiate", order_id)
        return False
    try:
        shopping_list.initiate()
    except ShoppingListCannotBeInitiated:
        logger.info("shopping list %s is %s: not initiated", shopping_list.id, shopping_list.status)
        return shopping_list.status == ShoppingListStatus.AVAILABLE
    shopping_lists.save(shopping_list)
    return True


@command
def shopping_list_assign(*, shopping_list_id: str, bot_id: str) -> None:
    """An available list to an idle bot: the list becomes assigned, the bot active."""
    shopping_list = shopping_lists.get_for_update(shopping_list_id)
    bot = bots.get_for_update(bot_id)
    shopping_list.assign(bot)
    shopping_lists.save(shopping_list)
    bots.save(bot)


@command
def shopping_list_complete(*, shopping_list_id: str) -> None:
    """An assigned or active list is completed; its bot is idle again."""
    shopping_list = shopping_lists.get_for_update(shopping_list_id)
    bot = bots.find_for_update(shopping_list.assigned_bot_id)
    shopping_list.complete(bot)
    shopping_lists.save(shopping_list)
    if bot is not None:
        bots.save(bot)


@command
def shopping_list_cancel(*, shopping_list_id: str) -> None:
    """A list not completed yet is canceled; its bot, if it had one, is idle again."""
    shopping_list = shopping_lists.get_for_update(shopping_list_id)
    bot = bots.find_for_update(shopping_list.assigned_bot_id)
    shopping_list.cancel(bot)
    shopping_lists.save(shopping_list)
    if bot is not None:
        bots.save(bot)


@command
def shopping_list_cancel_for_order(*, order_id: str, order_status: Literal["rejected", "canceled"]) -> None:
    """Compensation when the order is rejected or canceled: its list, if it has one that is not
    completed or canceled yet, is canceled (its bot freed). The order's copy remembers, so a
    late step of the saga creates no list for it."""
    order = order_copies.find_for_update(order_id)
    if order is not None:
        order.close(OrderCopyStatus(order_status))
        order_copies.save(order)
    shopping_list = shopping_lists.find_by_order_for_update(order_id)
    if shopping_list is None or not shopping_list.cancelable:
        status = "no list" if shopping_list is None else f"its list is {shopping_list.status}"
        logger.info("order %s %s, %s: nothing to cancel", order_id, order_status, status)
        return
    bot = bots.find_for_update(shopping_list.assigned_bot_id)
    shopping_list.cancel(bot)
    shopping_lists.save(shopping_list)
    if bot is not None:
        bots.save(bot)


# --- Bots -------------------------------------------------------------------------------------


@command
def bot_create(*, name: str) -> str:
    """A new idle bot; returns its id."""
    bot = Bot.create(str(uuid.uuid4()), name)
    bots.add(bot)
    return bot.id


# --- The orders the depot shops for -----------------------------------------------------------


@command
def order_copy_save(*, order_id: str, items: Sequence[OrderLine], orchestrated: bool = False) -> None:
    """Keeps the order's items until the saga asks for its shopping list. The first copy of an
    order stands: an order's items never change."""
    order_copies.add(OrderCopy(order_id, tuple(items), orchestrated=orchestrated), unless_exists=True)


# --- Lookups with a fallback to the stores context --------------------------------------------


def _pick(line: OrderLine) -> Pick:
    product = _locate_product(line.product_id)
    if product is None:
        raise ProductNoLongerSold.named(line.product_name or line.product_id)
    if product.store_id != line.store_id:
        raise ProductNotInStore()
    store = _locate_store(line.store_id)
    if store is None:
        raise StoreNotFound()
    return Pick(store.id, store.name, store.location, product.id, product.name, line.quantity)


def _locate_product(product_id: str) -> ProductCache | None:
    """The cached product; on a miss, the stores context's answer, cached; None when the
    product is not sold (any more)."""
    cached = selectors.product_cache_find(product_id=product_id)
    if cached is not None:
        return cached
    info = stores.get_product(product_id)
    if info is None:
        return None
    return _product_upsert(product_id, store_id=info.store_id, name=info.name)


def _locate_store(store_id: str) -> StoreCache | None:
    cached = selectors.store_cache_find(store_id=store_id)
    if cached is not None:
        return cached
    info = stores.get_store(store_id)
    if info is None:
        return None
    return _store_upsert(store_id, name=info.name, location=info.location)


# --- Caches fed by the stores context's integration events -----------------------------------
#
# Each cache's handlers share an order group (apps.py), so the events of one store or product
# arrive here in publication order and the latest one handled wins. A fallback may have
# inserted a row before its creation event is handled: the creation overwrites it, and the
# events after it bring it back to the stores context's current state.


def _store_upsert(store_id: str, *, name: str, location: str) -> StoreCache:
    (store,) = StoreCache.objects.bulk_create(
        [StoreCache(id=store_id, name=name, location=location)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "location", "updated_at"],
    )
    return store


def _product_upsert(product_id: str, *, store_id: str, name: str) -> ProductCache:
    (product,) = ProductCache.objects.bulk_create(
        [ProductCache(id=product_id, store_id=store_id, name=name)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["store_id", "name", "updated_at"],
    )
    return product


def _rename(model: type[StoreCache] | type[ProductCache], id: str, name: str) -> None:
    """A missing row stays missing: in publication order its creation came first, so the row
    was removed, and the next lookup asks the stores context."""
    if not model.objects.filter(id=id).update(name=name, updated_at=timezone.now()):
        logger.debug("rebrand of %s %s: not cached, nothing to update", model._meta.verbose_name, id)


@command
def store_cache_add(*, store_id: str, name: str, location: str) -> None:
    _store_upsert(store_id, name=name, location=location)


@command
def store_cache_rebrand(*, store_id: str, name: str) -> None:
    _rename(StoreCache, store_id, name)


@command
def product_cache_add(*, product_id: str, store_id: str, name: str) -> None:
    _product_upsert(product_id, store_id=store_id, name=name)


@command
def product_cache_rebrand(*, product_id: str, name: str) -> None:
    _rename(ProductCache, product_id, name)


@command
def product_cache_remove(*, product_id: str) -> None:
    """A removed product is no longer sold: no new list may contain it."""
    ProductCache.objects.filter(id=product_id).delete()

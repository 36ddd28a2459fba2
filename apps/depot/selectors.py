"""Queries of the depot context: shopping lists, bots, the orders it shops for and its caches
(for the API, the admin and the services' lookups)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .domain import BotNotFound, OrderNotKnown, ShoppingListNotFound
from .models import Bot, OrderCopy, ProductCache, ShoppingList, StoreCache


def shopping_list_get(*, shopping_list_id: str) -> ShoppingList:
    shopping_list = ShoppingList.objects.filter(id=shopping_list_id).first()
    if shopping_list is None:
        raise ShoppingListNotFound()
    return shopping_list


def shopping_list_find_by_order(*, order_id: str) -> ShoppingList | None:
    return ShoppingList.objects.filter(order_id=order_id).first()


def shopping_list_list(*, order_id: str | None = None, status: str | None = None) -> QuerySet[ShoppingList]:
    """Lists oldest first (the order bots should take available ones in), optionally only the
    order's list or only the lists in one status."""
    lists = ShoppingList.objects.order_by("created_at", "id")
    if order_id is not None:
        lists = lists.filter(order_id=order_id)
    if status is not None:
        lists = lists.filter(status=status)
    return lists


def bot_get(*, bot_id: str) -> Bot:
    bot = Bot.objects.filter(id=bot_id).first()
    if bot is None:
        raise BotNotFound()
    return bot


def bot_list() -> QuerySet[Bot]:
    return Bot.objects.order_by("name", "id")


def bot_list_idle() -> QuerySet[Bot]:
    return bot_list().filter(status=Bot.Status.IDLE)


def bot_count_by_status() -> dict[str, int]:
    """How many bots are in each status (every status named)."""
    counts = dict.fromkeys(Bot.Status.values, 0)
    counts.update(
        {row["status"]: row["n"] for row in Bot.objects.values("status").order_by().annotate(n=Count("id"))}
    )
    return counts


def order_copy_get(*, order_id: str) -> OrderCopy:
    order = OrderCopy.objects.filter(order_id=order_id).first()
    if order is None:
        raise OrderNotKnown()
    return order


def order_copy_find(*, order_id: str) -> OrderCopy | None:
    return OrderCopy.objects.filter(order_id=order_id).first()


def order_orchestrated(*, order_id: str) -> bool:
    """Whether the order's create-order saga is orchestrated (as its copy says)."""
    return OrderCopy.objects.filter(order_id=order_id, orchestrated=True).exists()


def store_cache_find(*, store_id: str) -> StoreCache | None:
    return StoreCache.objects.filter(id=store_id).first()


def product_cache_find(*, product_id: str) -> ProductCache | None:
    return ProductCache.objects.filter(id=product_id).first()


def bot_names(*, bot_ids: list[str]) -> dict[str, str]:
    return dict(Bot.objects.filter(id__in=[str(i) for i in bot_ids if i]).values_list("id", "name"))

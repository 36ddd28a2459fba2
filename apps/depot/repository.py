"""Loads and saves the state-stored ShoppingList and Bot aggregates, and dispatches the domain
events they recorded in the same transaction (the kernel's `dispatch_events`).

Commands lock the rows they change (`get_for_update`), always a shopping list before a bot, so
concurrent commands on one list or one bot run one after the other, each on the state the
previous one left, and cannot deadlock."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.uow import dispatch_events

from . import models
from .domain import (
    Bot,
    BotNotFound,
    BotStatus,
    Item,
    ShoppingList,
    ShoppingListNotFound,
    ShoppingListStatus,
    Stop,
)


def stops_to_data(stops: tuple[Stop, ...]) -> list[dict[str, Any]]:
    return [
        {
            "store_id": stop.store_id,
            "store_name": stop.store_name,
            "store_location": stop.store_location,
            "items": [
                {"product_id": i.product_id, "product_name": i.product_name, "quantity": i.quantity}
                for i in stop.items
            ],
        }
        for stop in stops
    ]


def stops_from_data(data: list[dict[str, Any]]) -> tuple[Stop, ...]:
    return tuple(
        Stop(
            store_id=stop["store_id"],
            store_name=stop["store_name"],
            store_location=stop["store_location"],
            items=tuple(Item(i["product_id"], i["product_name"], i["quantity"]) for i in stop["items"]),
        )
        for stop in data
    )


def _dispatch(aggregate: ShoppingList | Bot, *, version_before: int) -> None:
    events = aggregate.pending_events
    aggregate.clear_events()
    if not events:
        return
    if isinstance(aggregate, ShoppingList):
        # Every message about an order carries the order id as correlation id, whoever runs the
        # command (a handler, the API, the admin, a script): a list's events are about its order.
        with message_context.use(correlation_id=aggregate.order_id):
            dispatch_events(aggregate.stream_type, aggregate.id, version_before, events)
    else:
        dispatch_events(aggregate.stream_type, aggregate.id, version_before, events)


def _save(
    model: type[models.ShoppingList] | type[models.Bot], aggregate: ShoppingList | Bot, state: dict[str, str]
) -> None:
    """Write the state back when it changed (bumping the version), then dispatch the events.
    A command that changed nothing leaves the row and its version untouched."""
    version_before = aggregate.version
    changed = (
        model.objects.filter(pk=aggregate.id)
        .exclude(**state)
        .update(**state, version=F("version") + 1, updated_at=timezone.now())
    )
    _dispatch(aggregate, version_before=version_before)
    aggregate.version = version_before + changed


class ShoppingListRepository:
    def _load(self, row: models.ShoppingList) -> ShoppingList:
        shopping_list = ShoppingList(
            row.id,
            row.order_id,
            stops_from_data(row.stops),
            ShoppingListStatus(row.status),
            row.assigned_bot_id,
        )
        shopping_list.version = row.version
        return shopping_list

    def get_for_update(self, shopping_list_id: str) -> ShoppingList:
        """The list, its row locked until the transaction ends."""
        row = models.ShoppingList.objects.select_for_update().filter(pk=shopping_list_id).first()
        if row is None:
            raise ShoppingListNotFound()
        return self._load(row)

    def find_by_order_for_update(self, order_id: str) -> ShoppingList | None:
        row = models.ShoppingList.objects.select_for_update().filter(order_id=order_id).first()
        return None if row is None else self._load(row)

    def add(self, shopping_list: ShoppingList) -> str:
        """Insert a new list, then dispatch its events, and answer its id. When the order already
        has a list (a concurrent creation won), nothing is written or dispatched and the existing
        list's id is the answer."""
        try:
            with transaction.atomic():
                models.ShoppingList.objects.create(
                    id=shopping_list.id,
                    order_id=shopping_list.order_id,
                    status=shopping_list.status.value,
                    assigned_bot_id=shopping_list.assigned_bot_id,
                    stops=stops_to_data(shopping_list.stops),
                    version=1,
                )
        except IntegrityError:
            shopping_list.clear_events()
            return str(
                models.ShoppingList.objects.values_list("id", flat=True).get(order_id=shopping_list.order_id)
            )
        _dispatch(shopping_list, version_before=0)
        shopping_list.version = 1
        return shopping_list.id

    def save(self, shopping_list: ShoppingList) -> None:
        # The stops never change after creation.
        state = {"status": shopping_list.status.value, "assigned_bot_id": shopping_list.assigned_bot_id}
        _save(models.ShoppingList, shopping_list, state)


class BotRepository:
    def _load(self, row: models.Bot) -> Bot:
        bot = Bot(row.id, row.name, BotStatus(row.status), row.shopping_list_id)
        bot.version = row.version
        return bot

    def get_for_update(self, bot_id: str) -> Bot:
        """The bot, its row locked until the transaction ends."""
        row = models.Bot.objects.select_for_update().filter(pk=bot_id).first()
        if row is None:
            raise BotNotFound()
        return self._load(row)

    def find_for_update(self, bot_id: str) -> Bot | None:
        if not bot_id:
            return None
        row = models.Bot.objects.select_for_update().filter(pk=bot_id).first()
        return None if row is None else self._load(row)

    def add(self, bot: Bot) -> None:
        models.Bot.objects.create(
            id=bot.id,
            name=bot.name,
            status=bot.status.value,
            shopping_list_id=bot.shopping_list_id,
            version=1,
        )
        _dispatch(bot, version_before=0)
        bot.version = 1

    def save(self, bot: Bot) -> None:
        _save(models.Bot, bot, {"status": bot.status.value, "shopping_list_id": bot.shopping_list_id})


shopping_lists = ShoppingListRepository()
bots = BotRepository()

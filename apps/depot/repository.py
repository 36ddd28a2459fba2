"""The rows of the state-stored ShoppingList, Bot and OrderCopy aggregates: the kernel's
`StateStoredRepository` loads them (row locked), saves them and dispatches the domain events
they recorded in the same transaction; this module maps rows to aggregates.

Commands lock the rows they change (`get_for_update`), always a shopping list before a bot, so
concurrent commands on one list or one bot run one after the other, each on the state the
previous one left, and cannot deadlock."""

from __future__ import annotations

from typing import Any

from mallbots.kernel.uow import StateStoredRepository

from . import models
from .domain import (
    Bot,
    BotNotFound,
    BotStatus,
    Item,
    OrderCopy,
    OrderCopyStatus,
    OrderLine,
    OrderNotKnown,
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


class ShoppingListRepository(StateStoredRepository[ShoppingList]):
    model = models.ShoppingList
    stream_type = ShoppingList.stream_type
    not_found = ShoppingListNotFound

    def to_aggregate(self, row: models.ShoppingList) -> ShoppingList:
        return ShoppingList(
            row.id,
            row.order_id,
            stops_from_data(row.stops),
            ShoppingListStatus(row.status),
            row.assigned_bot_id,
        )

    def state(self, shopping_list: ShoppingList) -> dict[str, Any]:
        # The stops never change after creation.
        return {"status": shopping_list.status.value, "assigned_bot_id": shopping_list.assigned_bot_id}

    def creation_state(self, shopping_list: ShoppingList) -> dict[str, Any]:
        return {
            "order_id": shopping_list.order_id,
            "stops": stops_to_data(shopping_list.stops),
            **self.state(shopping_list),
        }

    def correlation_id(self, shopping_list: ShoppingList) -> str:
        # Every message about an order carries the order id as correlation id, whoever runs the
        # command (a handler, the API, the admin, a script): a list's events are about its order.
        return shopping_list.order_id

    def find_by_order_for_update(self, order_id: str) -> ShoppingList | None:
        row = models.ShoppingList.objects.select_for_update().filter(order_id=order_id).first()
        if row is None:
            return None
        shopping_list = self.to_aggregate(row)
        shopping_list.version = row.version
        return shopping_list

    def add_once(self, shopping_list: ShoppingList) -> str:
        """Insert a new list, then dispatch its events, and answer its id. When the order already
        has a list (a concurrent creation won), nothing is written or dispatched and the existing
        list's id is the answer."""
        if self.add(shopping_list, unless_exists=True):
            return shopping_list.id
        return str(
            models.ShoppingList.objects.values_list("id", flat=True).get(order_id=shopping_list.order_id)
        )


class BotRepository(StateStoredRepository[Bot]):
    model = models.Bot
    stream_type = Bot.stream_type
    not_found = BotNotFound

    def to_aggregate(self, row: models.Bot) -> Bot:
        return Bot(row.id, row.name, BotStatus(row.status), row.shopping_list_id)

    def state(self, bot: Bot) -> dict[str, Any]:
        return {"status": bot.status.value, "shopping_list_id": bot.shopping_list_id}

    def creation_state(self, bot: Bot) -> dict[str, Any]:
        return {"name": bot.name, **self.state(bot)}

    def find_for_update(self, id: str) -> Bot | None:
        """None also for no bot at all (a list assigned to none)."""
        return super().find_for_update(id) if id else None


class OrderCopyRepository(StateStoredRepository[OrderCopy]):
    model = models.OrderCopy
    stream_type = OrderCopy.stream_type
    not_found = OrderNotKnown

    def to_aggregate(self, row: models.OrderCopy) -> OrderCopy:
        lines = tuple(
            OrderLine(i["product_id"], i["store_id"], i["quantity"], i.get("product_name", ""))
            for i in row.items
        )
        return OrderCopy(row.order_id, lines, OrderCopyStatus(row.status), row.orchestrated)

    def state(self, order: OrderCopy) -> dict[str, Any]:
        # The items never change: an order's items are the ones it was created with.
        return {"status": order.status.value}

    def creation_state(self, order: OrderCopy) -> dict[str, Any]:
        items = [
            {
                "product_id": line.product_id,
                "store_id": line.store_id,
                "product_name": line.product_name,
                "quantity": line.quantity,
            }
            for line in order.lines
        ]
        return {"items": items, "orchestrated": order.orchestrated, **self.state(order)}


shopping_lists = ShoppingListRepository()
bots = BotRepository()
order_copies = OrderCopyRepository()

"""Depot data made the way the system makes it: through services, so rows, domain events and
outbox rows are all real. Each factory returns the row the depot reads."""

from __future__ import annotations

import uuid

import factory

from apps.depot import services
from apps.depot.domain import OrderLine
from apps.depot.models import Bot, ProductCache, ShoppingList, StoreCache
from mallbots.kernel.ddd import context as message_context


def new_id() -> str:
    return str(uuid.uuid4())


class CachedStoreFactory(factory.Factory):
    """A store as the StoreCreated handler records it."""

    class Meta:
        model = StoreCache

    id = factory.LazyFunction(new_id)
    name = factory.Sequence(lambda n: f"Store {n:03d}")
    location = factory.Sequence(lambda n: f"Level {n % 3}, unit {n}")

    @classmethod
    def _create(cls, model_class: type[StoreCache], id: str, name: str, location: str) -> StoreCache:
        services.store_cache_add(store_id=id, name=name, location=location)
        return model_class.objects.get(id=id)


class CachedProductFactory(factory.Factory):
    """A product as the ProductAdded handler records it."""

    class Meta:
        model = ProductCache

    id = factory.LazyFunction(new_id)
    store = factory.SubFactory(CachedStoreFactory)
    name = factory.Sequence(lambda n: f"Product {n:03d}")

    @classmethod
    def _create(cls, model_class: type[ProductCache], id: str, store: StoreCache, name: str) -> ProductCache:
        services.product_cache_add(product_id=id, store_id=store.id, name=name)
        return model_class.objects.get(id=id)


class BotFactory(factory.Factory):
    """An idle bot."""

    class Meta:
        model = Bot

    name = factory.Sequence(lambda n: f"Bot {n:03d}")

    @classmethod
    def _create(cls, model_class: type[Bot], name: str) -> Bot:
        return model_class.objects.get(id=services.bot_create(name=name))


def line(product: ProductCache, quantity: int = 1) -> OrderLine:
    return OrderLine(product_id=product.id, store_id=product.store_id, quantity=quantity)


class ShoppingListFactory(factory.Factory):
    """A shopping list of `items` ([(product, quantity)], one cached product by default) for a
    new order, created as the API creates one (under the order id as correlation id), then
    taken to `status`: pending, available, assigned (to `bot`, or a new bot), completed or
    canceled."""

    class Meta:
        model = ShoppingList

    order_id = factory.LazyFunction(new_id)
    items = factory.LazyFunction(lambda: [(CachedProductFactory(), 1)])
    status = "pending"
    bot = None

    @classmethod
    def _create(
        cls,
        model_class: type[ShoppingList],
        order_id: str,
        items: list[tuple[ProductCache, int]],
        status: str,
        bot: Bot | None,
    ) -> ShoppingList:
        with message_context.use(correlation_id=order_id):
            list_id = services.shopping_list_create(
                order_id=order_id, items=[line(product, quantity) for product, quantity in items]
            )
            if status != "pending" and status != "canceled":
                services.shopping_list_initiate_for_order(order_id=order_id)
            if status in ("assigned", "completed"):
                bot_id = (bot or BotFactory()).id
                services.shopping_list_assign(shopping_list_id=list_id, bot_id=bot_id)
            if status == "completed":
                services.shopping_list_complete(shopping_list_id=list_id)
            if status == "canceled":
                services.shopping_list_cancel(shopping_list_id=list_id)
        return model_class.objects.get(id=list_id)

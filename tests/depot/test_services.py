"""The depot's commands on real PostgreSQL: rows, outbox rows with their payloads and
correlation ids, and, for every refusal, that nothing changed."""

from __future__ import annotations

import pytest

from apps.depot import contracts, services
from apps.depot.domain import (
    BotNameBlank,
    BotNotFound,
    BotNotIdle,
    OrderLine,
    OrderNotKnown,
    ProductNoLongerSold,
    ProductNotInStore,
    ShoppingListCannotBeAssigned,
    ShoppingListCannotBeCanceled,
    ShoppingListCannotBeCompleted,
    ShoppingListHasNoItems,
    ShoppingListNotFound,
    StoreNotFound,
)
from apps.depot.models import Bot, OrderCopy, ProductCache, ShoppingList, StoreCache
from apps.stores import services as stores_services
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.models import StreamMessage
from tests.depot.factories import (
    BotFactory,
    CachedProductFactory,
    CachedStoreFactory,
    ShoppingListFactory,
    line,
    new_id,
)
from tests.depot.helpers import bot_state, list_state, published
from tests.stores.factories import ProductFactory, StoreFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def snapshot() -> tuple[list, list, int]:
    """Lists, bots and the number of outbox rows: what a refused command must leave alone."""
    return (
        list(ShoppingList.objects.order_by("id").values()),
        list(Bot.objects.order_by("id").values()),
        StreamMessage.objects.count(),
    )


# --- shopping_list_create ---------------------------------------------------------------------


def test_create_makes_a_pending_list_with_a_stop_per_store_and_quantities_summed():
    # given
    books = CachedStoreFactory(name="Waldorf Books", location="Level 1")
    coffee = CachedStoreFactory(name="Corner Coffee", location="Level 2")
    go = CachedProductFactory(store=books, name="Go book")
    rust = CachedProductFactory(store=books, name="Rust book")
    beans = CachedProductFactory(store=coffee, name="Beans")
    order_id = new_id()
    # when
    with message_context.use(correlation_id=order_id):
        list_id = services.shopping_list_create(
            order_id=order_id, items=[line(go, 1), line(beans, 2), line(rust, 1), line(go, 2)]
        )
    # then
    row = ShoppingList.objects.get(id=list_id)
    assert (row.order_id, row.status, row.assigned_bot_id, row.version) == (order_id, "pending", "", 1)
    assert row.stops == [
        {
            "store_id": books.id,
            "store_name": "Waldorf Books",
            "store_location": "Level 1",
            "items": [
                {"product_id": go.id, "product_name": "Go book", "quantity": 3},
                {"product_id": rust.id, "product_name": "Rust book", "quantity": 1},
            ],
        },
        {
            "store_id": coffee.id,
            "store_name": "Corner Coffee",
            "store_location": "Level 2",
            "items": [{"product_id": beans.id, "product_name": "Beans", "quantity": 2}],
        },
    ]
    assert published(order_id) == [("depotapi.ShoppingListCreated", {"id": list_id, "order_id": order_id})]
    message = StreamMessage.objects.get(producer="depot")
    assert (message.correlation_id, message.partition_key) == (order_id, order_id)


def test_a_second_creation_for_the_same_order_changes_nothing_and_answers_the_first_list():
    # given
    first = ShoppingListFactory()
    before = snapshot()
    # when
    again = services.shopping_list_create(order_id=first.order_id, items=[line(CachedProductFactory(), 5)])
    # then
    assert again == first.id
    assert snapshot() == before


def test_create_asks_the_stores_context_for_what_the_caches_miss_and_caches_it():
    # given a product the depot never heard of (its events were not handled)
    product = ProductFactory(name="Umbrella", store=StoreFactory(name="Rainy Days", location="Wing 2"))
    assert not ProductCache.objects.exists() and not StoreCache.objects.exists()
    # when
    list_id = services.shopping_list_create(
        order_id=new_id(), items=[OrderLine(product_id=product.id, store_id=product.store_id, quantity=2)]
    )
    # then
    assert ShoppingList.objects.get(id=list_id).stops == [
        {
            "store_id": product.store_id,
            "store_name": "Rainy Days",
            "store_location": "Wing 2",
            "items": [{"product_id": product.id, "product_name": "Umbrella", "quantity": 2}],
        }
    ]
    assert ProductCache.objects.values_list("id", "store_id", "name").get() == (
        product.id,
        product.store_id,
        "Umbrella",
    )
    assert StoreCache.objects.values_list("id", "name", "location").get() == (
        product.store_id,
        "Rainy Days",
        "Wing 2",
    )


def test_a_product_removed_from_its_store_is_no_longer_sold():
    # given
    product = ProductFactory(name="Hat")
    stores_services.product_remove(product_id=product.id)
    before = snapshot()
    # when / then
    with pytest.raises(ProductNoLongerSold) as refused:
        services.shopping_list_create(
            order_id=new_id(),
            items=[
                OrderLine(product_id=product.id, store_id=product.store_id, quantity=1, product_name="Hat")
            ],
        )
    assert refused.value.message == "the product is no longer sold: Hat"
    assert snapshot() == before


def test_an_unknown_product_is_named_by_its_id():
    # given
    store = CachedStoreFactory()
    product_id = new_id()
    known = CachedProductFactory(store=store)
    before = snapshot()
    # when / then
    with pytest.raises(ProductNoLongerSold) as refused:
        services.shopping_list_create(
            order_id=new_id(),
            items=[line(known), OrderLine(product_id=product_id, store_id=store.id, quantity=1)],
        )
    assert refused.value.message == f"the product is no longer sold: {product_id}"
    assert snapshot() == before


def test_a_product_of_an_unknown_store_is_refused():
    # given a cached product whose store neither the cache nor the stores context knows
    product_id = new_id()
    services.product_cache_add(product_id=product_id, store_id="store-gone", name="Lamp")
    before = snapshot()
    # when / then
    with pytest.raises(StoreNotFound) as refused:
        services.shopping_list_create(
            order_id=new_id(), items=[OrderLine(product_id=product_id, store_id="store-gone", quantity=1)]
        )
    assert refused.value.message == "the store was not found"
    assert snapshot() == before


def test_an_item_naming_another_store_than_the_products_is_refused():
    # given
    product = CachedProductFactory()
    other = CachedStoreFactory()
    before = snapshot()
    # when / then
    with pytest.raises(ProductNotInStore) as refused:
        services.shopping_list_create(
            order_id=new_id(), items=[OrderLine(product_id=product.id, store_id=other.id, quantity=1)]
        )
    assert refused.value.message == "the product is not sold by that store"
    assert snapshot() == before


def test_a_list_without_items_is_refused_before_any_lookup():
    # when / then
    with pytest.raises(ShoppingListHasNoItems):
        services.shopping_list_create(order_id=new_id(), items=[])
    assert snapshot() == ([], [], 0)


# --- shopping_list_create_for_order (saga step 3) ----------------------------------------------


def test_creation_for_an_order_uses_the_items_kept_from_order_created():
    # given
    product = CachedProductFactory(name="Scarf")
    order_id = new_id()
    services.order_copy_save(
        order_id=order_id,
        items=[
            OrderLine(product.id, product.store_id, 1, "Scarf"),
            OrderLine(product.id, product.store_id, 2, "Scarf"),
        ],
    )
    # when
    list_id = services.shopping_list_create_for_order(order_id=order_id)
    # then
    assert ShoppingList.objects.get(id=list_id).stops[0]["items"] == [
        {"product_id": product.id, "product_name": "Scarf", "quantity": 3}
    ]
    assert published(order_id) == [("depotapi.ShoppingListCreated", {"id": list_id, "order_id": order_id})]


def test_creation_for_an_order_with_a_product_no_longer_sold_publishes_the_failure():
    # given
    order_id = new_id()
    sold = CachedProductFactory()
    services.order_copy_save(
        order_id=order_id,
        items=[
            OrderLine(sold.id, sold.store_id, 1, "Scarf"),
            OrderLine(new_id(), sold.store_id, 1, "Old hat"),
        ],
    )
    # when
    with message_context.use(correlation_id=order_id):
        result = services.shopping_list_create_for_order(order_id=order_id)
    # then
    assert result is None
    assert not ShoppingList.objects.exists()
    assert published(order_id) == [
        (
            "depotapi.ShoppingListCreationFailed",
            {"order_id": order_id, "reason": "the product is no longer sold: Old hat"},
        )
    ]
    assert StreamMessage.objects.get(producer="depot").correlation_id == order_id


def test_creation_for_an_order_rejected_meanwhile_creates_nothing():
    # given
    product = CachedProductFactory()
    order_id = new_id()
    services.order_copy_save(order_id=order_id, items=[line(product)])
    services.shopping_list_cancel_for_order(order_id=order_id, order_status="rejected")
    # when
    result = services.shopping_list_create_for_order(order_id=order_id)
    # then
    assert result is None
    assert not ShoppingList.objects.exists()
    assert published() == []


def test_creation_for_an_order_the_depot_never_heard_of_is_an_error():
    # when / then
    with pytest.raises(OrderNotKnown):
        services.shopping_list_create_for_order(order_id=new_id())
    assert snapshot() == ([], [], 0)


def test_the_first_copy_of_an_order_stands():
    # given
    order_id = new_id()
    services.order_copy_save(order_id=order_id, items=[OrderLine("p-1", "s-1", 1, "Hat")])
    # when
    services.order_copy_save(order_id=order_id, items=[OrderLine("p-2", "s-2", 9, "Coat")])
    # then
    assert OrderCopy.objects.get().items == [
        {"product_id": "p-1", "store_id": "s-1", "product_name": "Hat", "quantity": 1}
    ]


# --- shopping_list_initiate_for_order (saga step 5) ----------------------------------------------


def test_initiating_makes_the_pending_list_available_and_publishes_it():
    # given
    shopping_list = ShoppingListFactory()
    # when
    with message_context.use(correlation_id=shopping_list.order_id):
        services.shopping_list_initiate_for_order(order_id=shopping_list.order_id)
    # then
    assert list_state(shopping_list.id) == ("available", "", 2)
    assert published(shopping_list.order_id)[1:] == [
        ("depotapi.ShoppingListInitiated", {"id": shopping_list.id, "order_id": shopping_list.order_id})
    ]


@pytest.mark.parametrize("status", ["available", "assigned", "completed", "canceled"])
def test_initiating_a_list_that_is_no_longer_pending_changes_nothing(status):
    # given
    shopping_list = ShoppingListFactory(status=status)
    before = snapshot()
    # when
    services.shopping_list_initiate_for_order(order_id=shopping_list.order_id)
    # then
    assert snapshot() == before


def test_initiating_for_an_order_without_a_list_changes_nothing():
    # when
    services.shopping_list_initiate_for_order(order_id=new_id())
    # then
    assert snapshot() == ([], [], 0)


# --- shopping_list_assign -----------------------------------------------------------------------


def test_assigning_an_available_list_to_an_idle_bot():
    # given
    shopping_list = ShoppingListFactory(status="available")
    bot = BotFactory()
    # when
    with message_context.use(correlation_id=shopping_list.order_id):
        services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot.id)
    # then
    assert list_state(shopping_list.id) == ("assigned", bot.id, 3)
    assert bot_state(bot.id) == ("active", shopping_list.id, 2)
    assert published(shopping_list.order_id)[-1] == (
        "depotapi.ShoppingListAssigned",
        {"id": shopping_list.id, "order_id": shopping_list.order_id, "bot_id": bot.id},
    )
    assert (
        StreamMessage.objects.get(name="depotapi.ShoppingListAssigned").correlation_id
        == shopping_list.order_id
    )


@pytest.mark.parametrize("status", ["pending", "assigned", "completed", "canceled"])
def test_only_an_available_list_is_assigned(status):
    # given
    shopping_list = ShoppingListFactory(status=status)
    bot = BotFactory()
    before = snapshot()
    # when / then
    with pytest.raises(ShoppingListCannotBeAssigned):
        services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot.id)
    assert snapshot() == before


def test_a_busy_bot_is_not_assigned_another_list():
    # given
    bot = BotFactory()
    ShoppingListFactory(status="assigned", bot=bot)
    other = ShoppingListFactory(status="available")
    before = snapshot()
    # when / then
    with pytest.raises(BotNotIdle):
        services.shopping_list_assign(shopping_list_id=other.id, bot_id=bot.id)
    assert snapshot() == before


def test_assigning_to_an_unknown_bot_or_an_unknown_list_is_not_found():
    # given
    shopping_list = ShoppingListFactory(status="available")
    bot = BotFactory()
    before = snapshot()
    # when / then
    with pytest.raises(BotNotFound) as no_bot:
        services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=new_id())
    with pytest.raises(ShoppingListNotFound) as no_list:
        services.shopping_list_assign(shopping_list_id=new_id(), bot_id=bot.id)
    assert (no_bot.value.message, no_list.value.message) == (
        "the bot was not found",
        "the shopping list was not found",
    )
    assert snapshot() == before


# --- shopping_list_complete ---------------------------------------------------------------------


def test_completing_an_assigned_list_frees_its_bot():
    # given
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="assigned", bot=bot)
    # when
    services.shopping_list_complete(shopping_list_id=shopping_list.id)
    # then
    assert list_state(shopping_list.id) == ("completed", bot.id, 4)
    assert bot_state(bot.id) == ("idle", "", 3)
    assert published(shopping_list.order_id)[-1] == (
        "depotapi.ShoppingListCompleted",
        {"id": shopping_list.id, "order_id": shopping_list.order_id},
    )


def test_completing_an_active_list_frees_its_bot():
    # given (no command makes a list active yet: the row is set as a bot would)
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="assigned", bot=bot)
    ShoppingList.objects.filter(id=shopping_list.id).update(status="active")
    # when
    services.shopping_list_complete(shopping_list_id=shopping_list.id)
    # then
    assert list_state(shopping_list.id)[0] == "completed"
    assert bot_state(bot.id)[:2] == ("idle", "")


@pytest.mark.parametrize("status", ["pending", "available", "completed", "canceled"])
def test_only_an_assigned_or_active_list_is_completed(status):
    # given
    shopping_list = ShoppingListFactory(status=status)
    before = snapshot()
    # when / then
    with pytest.raises(ShoppingListCannotBeCompleted):
        services.shopping_list_complete(shopping_list_id=shopping_list.id)
    assert snapshot() == before


# --- shopping_list_cancel -----------------------------------------------------------------------


def test_canceling_an_assigned_list_frees_its_bot_which_can_take_another_list():
    # given
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="assigned", bot=bot)
    other = ShoppingListFactory(status="available")
    # when
    services.shopping_list_cancel(shopping_list_id=shopping_list.id)
    services.shopping_list_assign(shopping_list_id=other.id, bot_id=bot.id)
    # then
    assert list_state(shopping_list.id) == ("canceled", bot.id, 4)
    assert bot_state(bot.id) == ("active", other.id, 4)
    assert published(shopping_list.order_id)[-1] == (
        "depotapi.ShoppingListCanceled",
        {"id": shopping_list.id, "order_id": shopping_list.order_id},
    )


@pytest.mark.parametrize("status", ["pending", "available"])
def test_canceling_a_list_without_a_bot(status):
    # given
    shopping_list = ShoppingListFactory(status=status)
    # when
    services.shopping_list_cancel(shopping_list_id=shopping_list.id)
    # then
    assert list_state(shopping_list.id)[:2] == ("canceled", "")
    assert published(shopping_list.order_id)[-1][0] == "depotapi.ShoppingListCanceled"


@pytest.mark.parametrize("status", ["completed", "canceled"])
def test_a_completed_or_canceled_list_is_not_canceled(status):
    # given
    shopping_list = ShoppingListFactory(status=status)
    before = snapshot()
    # when / then
    with pytest.raises(ShoppingListCannotBeCanceled):
        services.shopping_list_cancel(shopping_list_id=shopping_list.id)
    assert snapshot() == before


def test_a_lists_messages_carry_its_order_id_whoever_runs_the_command():
    # given a list created and taken through its life with no message context at all
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="available")
    # when
    services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot.id)
    services.shopping_list_complete(shopping_list_id=shopping_list.id)
    other = services.shopping_list_create(order_id="order-x", items=[line(CachedProductFactory())])
    services.shopping_list_cancel(shopping_list_id=other)
    # then
    assert list(
        StreamMessage.objects.filter(producer="depot")
        .order_by("position")
        .values_list("name", "correlation_id")
    ) == [
        ("depotapi.ShoppingListCreated", shopping_list.order_id),
        ("depotapi.ShoppingListInitiated", shopping_list.order_id),
        ("depotapi.ShoppingListAssigned", shopping_list.order_id),
        ("depotapi.ShoppingListCompleted", shopping_list.order_id),
        ("depotapi.ShoppingListCreated", "order-x"),
        ("depotapi.ShoppingListCanceled", "order-x"),
    ]


# --- shopping_list_cancel_for_order (compensation) ----------------------------------------------


@pytest.mark.parametrize("order_status", ["rejected", "canceled"])
def test_a_rejected_or_canceled_order_has_its_list_canceled_and_its_bot_freed(order_status):
    # given
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="assigned", bot=bot)
    services.order_copy_save(order_id=shopping_list.order_id, items=[OrderLine("p", "s", 1)])
    # when
    services.shopping_list_cancel_for_order(order_id=shopping_list.order_id, order_status=order_status)
    # then
    assert list_state(shopping_list.id)[0] == "canceled"
    assert bot_state(bot.id)[:2] == ("idle", "")
    assert OrderCopy.objects.get().status == order_status
    assert published(shopping_list.order_id)[-1][0] == "depotapi.ShoppingListCanceled"


def test_an_order_without_a_list_is_only_remembered_as_closed():
    # given
    order_id = new_id()
    services.order_copy_save(order_id=order_id, items=[OrderLine("p", "s", 1)])
    # when
    services.shopping_list_cancel_for_order(order_id=order_id, order_status="rejected")
    # then
    assert OrderCopy.objects.get().status == "rejected"
    assert snapshot() == ([], [], 0)


@pytest.mark.parametrize("status", ["completed", "canceled"])
def test_a_list_already_completed_or_canceled_stays_so(status):
    # given
    shopping_list = ShoppingListFactory(status=status)
    before = snapshot()
    # when
    services.shopping_list_cancel_for_order(order_id=shopping_list.order_id, order_status="canceled")
    # then
    assert snapshot() == before


# --- bot_create ---------------------------------------------------------------------------------


def test_a_new_bot_is_idle_and_publishes_nothing():
    # when
    bot_id = services.bot_create(name=" Robbie ")
    # then
    assert Bot.objects.values_list("name", "status", "shopping_list_id", "version").get(id=bot_id) == (
        "Robbie",
        "idle",
        "",
        1,
    )
    assert not StreamMessage.objects.exists()


def test_a_bot_without_a_name_is_refused():
    # when / then
    with pytest.raises(BotNameBlank):
        services.bot_create(name="  ")
    assert snapshot() == ([], [], 0)


# --- the caches ---------------------------------------------------------------------------------


def test_the_caches_follow_creation_rebranding_and_removal():
    # given
    services.store_cache_add(store_id="s-1", name="Threads", location="Level 1")
    services.product_cache_add(product_id="p-1", store_id="s-1", name="Shirt")
    # when
    services.store_cache_rebrand(store_id="s-1", name="Threads & Co")
    services.product_cache_rebrand(product_id="p-1", name="Blue shirt")
    services.product_cache_rebrand(product_id="p-unknown", name="Ghost")
    services.product_cache_remove(product_id="p-1")
    # then
    assert list(StoreCache.objects.values_list("id", "name", "location")) == [
        ("s-1", "Threads & Co", "Level 1")
    ]
    assert not ProductCache.objects.exists()


def test_bot_names_answers_the_names_of_the_known_bots_only():
    # given
    robo = BotFactory(name="Robo-1")
    # when / then
    assert contracts.bot_names([robo.id, "no-such-bot", ""]) == {robo.id: "Robo-1"}

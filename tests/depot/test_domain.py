"""The ShoppingList and Bot aggregates: planning the stops, every status rule, the bot's
part in assigning, completing and canceling. Pure Python, no database."""

from __future__ import annotations

import pytest

from apps.depot.domain import (
    Bot,
    BotActivated,
    BotCreated,
    BotIdled,
    BotNameBlank,
    BotNotIdle,
    BotStatus,
    Item,
    OrderIdBlank,
    OrderLine,
    Pick,
    ProductNoLongerSold,
    QuantityTooSmall,
    ShoppingList,
    ShoppingListAssigned,
    ShoppingListCanceled,
    ShoppingListCannotBeAssigned,
    ShoppingListCannotBeCanceled,
    ShoppingListCannotBeCompleted,
    ShoppingListCannotBeInitiated,
    ShoppingListCompleted,
    ShoppingListCreated,
    ShoppingListHasNoItems,
    ShoppingListInitiated,
    ShoppingListStatus,
    Stop,
    check_lines,
    plan_stops,
)

pytestmark = pytest.mark.unit

S = ShoppingListStatus
BOOKS = ("store-books", "Waldorf Books", "Level 1, unit 4")
COFFEE = ("store-coffee", "Corner Coffee", "Level 2, unit 9")


def pick(store: tuple[str, str, str], product_id: str, product_name: str, quantity: int) -> Pick:
    return Pick(*store, product_id=product_id, product_name=product_name, quantity=quantity)


def a_list(status: ShoppingListStatus = S.PENDING, bot_id: str = "") -> ShoppingList:
    stops = (Stop(*BOOKS, items=(Item("p-1", "Go book", 1),)),)
    return ShoppingList("list-1", "order-1", stops, status, bot_id)


# --- Planning the stops -----------------------------------------------------------------------


def test_a_new_list_has_one_stop_per_store_with_the_quantities_of_a_product_summed():
    # given
    picks = [
        pick(BOOKS, "p-go", "Go book", 1),
        pick(COFFEE, "p-beans", "Espresso beans", 2),
        pick(BOOKS, "p-rust", "Rust book", 1),
        pick(BOOKS, "p-go", "Go book", 3),
        pick(COFFEE, "p-beans", "Espresso beans", 1),
    ]
    # when
    shopping_list = ShoppingList.create("list-1", "order-1", picks)
    # then
    expected_stops = (
        Stop(*BOOKS, items=(Item("p-go", "Go book", 4), Item("p-rust", "Rust book", 1))),
        Stop(*COFFEE, items=(Item("p-beans", "Espresso beans", 3),)),
    )
    assert shopping_list.stops == expected_stops
    assert (shopping_list.status, shopping_list.assigned_bot_id) == (S.PENDING, "")
    assert shopping_list.pending_events == (
        ShoppingListCreated(shopping_list_id="list-1", order_id="order-1", stops=expected_stops),
    )


def test_stops_follow_the_order_in_which_stores_and_products_first_appear():
    # when
    stops = plan_stops(
        [pick(COFFEE, "p-2", "Mug", 1), pick(BOOKS, "p-1", "Atlas", 1), pick(COFFEE, "p-3", "Cup", 1)]
    )
    # then
    assert [(stop.store_id, [i.product_id for i in stop.items]) for stop in stops] == [
        ("store-coffee", ["p-2", "p-3"]),
        ("store-books", ["p-1"]),
    ]


@pytest.mark.parametrize(
    ("order_id", "lines", "error"),
    [
        ("", [OrderLine("p", "s", 1)], OrderIdBlank),
        ("  ", [OrderLine("p", "s", 1)], OrderIdBlank),
        ("order-1", [], ShoppingListHasNoItems),
        ("order-1", [OrderLine("p", "s", 1), OrderLine("q", "s", 0)], QuantityTooSmall),
        ("order-1", [OrderLine("p", "s", -2)], QuantityTooSmall),
    ],
)
def test_lines_that_cannot_make_a_list_are_refused(order_id, lines, error):
    # when / then
    with pytest.raises(error):
        check_lines(order_id, lines)


def test_creating_a_list_checks_its_lines_too():
    # when / then
    with pytest.raises(QuantityTooSmall) as refused:
        ShoppingList.create("list-1", "order-1", [pick(BOOKS, "p-1", "Atlas", 0)])
    assert refused.value.message == "the item quantity must be at least 1"


def test_the_messages_are_the_originals_and_name_the_product_no_longer_sold():
    assert ShoppingListCannotBeCanceled().message == "the shopping list cannot be canceled"
    assert ShoppingListCannotBeInitiated().message == "the shopping list cannot be initiated"
    assert ShoppingListCannotBeAssigned().message == "the shopping list cannot be assigned"
    assert ShoppingListCannotBeCompleted().message == "the shopping list cannot be completed"
    assert ProductNoLongerSold.named("Go book").message == "the product is no longer sold: Go book"
    assert (ShoppingListCannotBeAssigned.code, BotNotIdle.code, OrderIdBlank.code) == (9, 9, 3)


# --- Initiate -----------------------------------------------------------------------------------


def test_initiating_a_pending_list_makes_it_available():
    # given
    shopping_list = a_list(S.PENDING)
    # when
    shopping_list.initiate()
    # then
    assert shopping_list.status == S.AVAILABLE
    assert shopping_list.pending_events == (
        ShoppingListInitiated(shopping_list_id="list-1", order_id="order-1"),
    )


@pytest.mark.parametrize("status", [S.AVAILABLE, S.ASSIGNED, S.ACTIVE, S.COMPLETED, S.CANCELED])
def test_only_a_pending_list_can_be_initiated(status):
    # given
    shopping_list = a_list(status)
    # when / then
    with pytest.raises(ShoppingListCannotBeInitiated):
        shopping_list.initiate()
    assert (shopping_list.status, shopping_list.pending_events) == (status, ())


# --- Assign -------------------------------------------------------------------------------------


def test_assigning_an_available_list_to_an_idle_bot_makes_the_list_assigned_and_the_bot_active():
    # given
    shopping_list, bot = a_list(S.AVAILABLE), Bot("bot-1", "Robbie")
    # when
    shopping_list.assign(bot)
    # then
    assert (shopping_list.status, shopping_list.assigned_bot_id) == (S.ASSIGNED, "bot-1")
    assert (bot.status, bot.shopping_list_id) == (BotStatus.ACTIVE, "list-1")
    assert shopping_list.pending_events == (
        ShoppingListAssigned(shopping_list_id="list-1", order_id="order-1", bot_id="bot-1"),
    )
    assert bot.pending_events == (BotActivated(bot_id="bot-1", shopping_list_id="list-1"),)


@pytest.mark.parametrize("status", [S.PENDING, S.ASSIGNED, S.ACTIVE, S.COMPLETED, S.CANCELED])
def test_only_an_available_list_can_be_assigned(status):
    # given
    shopping_list, bot = a_list(status), Bot("bot-1", "Robbie")
    # when / then
    with pytest.raises(ShoppingListCannotBeAssigned):
        shopping_list.assign(bot)
    assert (shopping_list.status, bot.status) == (status, BotStatus.IDLE)
    assert shopping_list.pending_events == bot.pending_events == ()


def test_a_list_cannot_be_assigned_to_a_bot_that_is_not_idle():
    # given
    shopping_list = a_list(S.AVAILABLE)
    bot = Bot("bot-1", "Robbie", BotStatus.ACTIVE, "list-0")
    # when / then
    with pytest.raises(BotNotIdle) as refused:
        shopping_list.assign(bot)
    assert refused.value.message == "the bot is not idle"
    assert (shopping_list.status, shopping_list.assigned_bot_id) == (S.AVAILABLE, "")
    assert (bot.status, bot.shopping_list_id) == (BotStatus.ACTIVE, "list-0")
    assert shopping_list.pending_events == bot.pending_events == ()


# --- Complete -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.ASSIGNED, S.ACTIVE])
def test_completing_an_assigned_or_active_list_frees_its_bot(status):
    # given
    shopping_list = a_list(status, bot_id="bot-1")
    bot = Bot("bot-1", "Robbie", BotStatus.ACTIVE, "list-1")
    # when
    shopping_list.complete(bot)
    # then
    assert (shopping_list.status, shopping_list.assigned_bot_id) == (S.COMPLETED, "bot-1")
    assert (bot.status, bot.shopping_list_id) == (BotStatus.IDLE, "")
    assert shopping_list.pending_events == (
        ShoppingListCompleted(shopping_list_id="list-1", order_id="order-1", bot_id="bot-1"),
    )
    assert bot.pending_events == (BotIdled(bot_id="bot-1", shopping_list_id="list-1"),)


@pytest.mark.parametrize("status", [S.PENDING, S.AVAILABLE, S.COMPLETED, S.CANCELED])
def test_only_an_assigned_or_active_list_can_be_completed(status):
    # given
    shopping_list = a_list(status)
    # when / then
    with pytest.raises(ShoppingListCannotBeCompleted):
        shopping_list.complete(None)
    assert (shopping_list.status, shopping_list.pending_events) == (status, ())


def test_completing_a_list_whose_bot_is_gone_still_completes_it():
    # given
    shopping_list = a_list(S.ASSIGNED, bot_id="bot-gone")
    # when
    shopping_list.complete(None)
    # then
    assert shopping_list.status == S.COMPLETED


# --- Cancel -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.PENDING, S.AVAILABLE])
def test_canceling_a_list_without_a_bot(status):
    # given
    shopping_list = a_list(status)
    # when
    shopping_list.cancel(None)
    # then
    assert shopping_list.status == S.CANCELED
    assert shopping_list.pending_events == (
        ShoppingListCanceled(shopping_list_id="list-1", order_id="order-1", bot_id=""),
    )


@pytest.mark.parametrize("status", [S.ASSIGNED, S.ACTIVE])
def test_canceling_an_assigned_or_active_list_frees_its_bot(status):
    # given
    shopping_list = a_list(status, bot_id="bot-1")
    bot = Bot("bot-1", "Robbie", BotStatus.ACTIVE, "list-1")
    # when
    shopping_list.cancel(bot)
    # then
    assert shopping_list.status == S.CANCELED
    assert (bot.status, bot.shopping_list_id) == (BotStatus.IDLE, "")
    assert shopping_list.pending_events == (
        ShoppingListCanceled(shopping_list_id="list-1", order_id="order-1", bot_id="bot-1"),
    )


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELED])
def test_a_completed_or_canceled_list_cannot_be_canceled(status):
    # given
    shopping_list = a_list(status)
    # when / then
    with pytest.raises(ShoppingListCannotBeCanceled):
        shopping_list.cancel(None)
    assert (shopping_list.status, shopping_list.pending_events) == (status, ())


# --- Bots ---------------------------------------------------------------------------------------


def test_a_new_bot_is_idle_with_its_name_trimmed():
    # when
    bot = Bot.create("bot-1", "  Robbie ")
    # then
    assert (bot.name, bot.status, bot.shopping_list_id) == ("Robbie", BotStatus.IDLE, "")
    assert bot.pending_events == (BotCreated(bot_id="bot-1", name="Robbie"),)


@pytest.mark.parametrize("name", ["", "   "])
def test_a_bot_needs_a_name(name):
    # when / then
    with pytest.raises(BotNameBlank) as refused:
        Bot.create("bot-1", name)
    assert refused.value.message == "the bot name cannot be blank"


def test_releasing_a_bot_from_a_list_it_does_not_walk_changes_nothing():
    # given
    bot = Bot("bot-1", "Robbie", BotStatus.ACTIVE, "list-2")
    # when
    bot.release("list-1")
    # then
    assert (bot.status, bot.shopping_list_id, bot.pending_events) == (BotStatus.ACTIVE, "list-2", ())

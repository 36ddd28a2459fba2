"""The depot's part in the create-order saga (step 3: the shopping list; step 5: shopping
initiated; the list's cancellation as compensation), decided by its domain and told by its
receivers, with a fake bus at the contract edge: no database, broker or worker. The same
decisions against real workers are in tests/saga."""

from __future__ import annotations

import pytest

from apps.depot import contracts, signals
from apps.depot.domain import (
    Bot,
    OrderCopy,
    OrderCopyStatus,
    OrderLine,
    Pick,
    ProductNoLongerSold,
    ShoppingList,
    ShoppingListCannotBeCanceled,
    ShoppingListCannotBeInitiated,
    StoreNotFound,
)
from tests.fakes import FakeBus

pytestmark = pytest.mark.unit


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> FakeBus:
    return FakeBus().install(monkeypatch, signals)


def picks() -> list[Pick]:
    return [
        Pick("s-1", "Waldo's", "West wing", "p-1", "Lamp", 1),
        Pick("s-2", "Kiosk", "East wing", "p-2", "Gum", 3),
    ]


def created_list(bus: FakeBus) -> ShoppingList:
    shopping_list = ShoppingList.create("sl-1", "o-1", picks())
    bus.settle(shopping_list)
    return shopping_list


def test_the_orders_list_is_created_and_the_saga_told(bus):
    # when
    shopping_list = ShoppingList.create("sl-1", "o-1", picks())
    # then one stop per store, and ordering hears of the list
    assert [stop.store_id for stop in shopping_list.stops] == ["s-1", "s-2"]
    assert bus.settle(shopping_list) == [contracts.ShoppingListCreated(id="sl-1", order_id="o-1")]


@pytest.mark.parametrize(
    "refusal",
    [ProductNoLongerSold.named("Lamp"), StoreNotFound()],
    ids=["product no longer sold", "store not found"],
)
def test_a_list_that_cannot_be_made_fails_the_step_with_why(bus, refusal):
    # given the order's copy
    order = OrderCopy("o-1", (OrderLine("p-1", "s-1", 1, "Lamp"),))
    # when the stores say the list cannot be made
    order.refuse_shopping_list(refusal)
    # then ordering hears the refusal with the reason the stores gave, and the order stays open
    assert bus.settle(order) == [contracts.ShoppingListCreationFailed(order_id="o-1", reason=refusal.message)]
    assert order.open


@pytest.mark.parametrize("status", [OrderCopyStatus.REJECTED, OrderCopyStatus.CANCELED])
def test_a_closed_order_is_no_longer_open_for_a_list(bus, status):
    # given
    order = OrderCopy("o-1", (OrderLine("p-1", "s-1", 1),))
    # when the order is rejected or canceled before step 3
    order.close(status)
    # then the depot would make no list for it, and closing tells no one anything
    assert not order.open
    assert bus.settle(order) == []


def test_a_confirmed_payment_makes_the_list_available_to_bots(bus):
    # given
    shopping_list = created_list(bus)
    # when
    shopping_list.initiate()
    # then
    assert bus.settle(shopping_list) == [contracts.ShoppingListInitiated(id="sl-1", order_id="o-1")]


def test_a_list_is_initiated_once(bus):
    # given an initiated list whose cue arrives again (a late or repeated message)
    shopping_list = created_list(bus)
    shopping_list.initiate()
    bus.settle(shopping_list)
    # when / then it refuses, and nothing more is published
    with pytest.raises(ShoppingListCannotBeInitiated):
        shopping_list.initiate()
    assert bus.settle(shopping_list) == []


def test_cancelling_the_list_as_compensation_frees_its_bot_and_tells_the_others(bus):
    # given a list assigned to a bot
    shopping_list, bot = created_list(bus), Bot("b-1", "Robbie")
    shopping_list.initiate()
    shopping_list.assign(bot)
    bus.settle(shopping_list, bot)
    # when the order is cancelled
    shopping_list.cancel(bot)
    # then the bot is idle again, and only the list's cancellation is integration news
    assert bot.idle
    assert bus.settle(shopping_list, bot) == [contracts.ShoppingListCanceled(id="sl-1", order_id="o-1")]


def test_a_completed_list_cannot_be_cancelled(bus):
    # given a list its bot has completed
    shopping_list, bot = created_list(bus), Bot("b-1", "Robbie")
    shopping_list.initiate()
    shopping_list.assign(bot)
    shopping_list.complete(bot)
    bus.settle(shopping_list, bot)
    # when / then a late cancellation is refused, and nothing is published
    with pytest.raises(ShoppingListCannotBeCanceled):
        shopping_list.cancel(bot)
    assert bus.settle(shopping_list, bot) == []

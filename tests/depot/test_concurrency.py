"""Concurrent commands on real PostgreSQL: the row locks taken by the repositories make them run
one after the other, each deciding on the state the previous one committed; the unique order
id makes two creations for one order one list."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connections

from apps.depot import services
from apps.depot.domain import ShoppingListAssigned, ShoppingListCreated
from apps.depot.models import ShoppingList
from mallbots.kernel.ddd import DomainError
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.kernel.uow import Recorded, domain_event
from tests.depot.factories import BotFactory, CachedProductFactory, ShoppingListFactory, line, new_id
from tests.depot.helpers import bot_state

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def run_in_thread(fn: Callable[[], object], outcomes: list[object]) -> threading.Thread:
    def target() -> None:
        try:
            outcomes.append(fn())
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.fixture
def hold_first() -> Iterator[Callable[[type], tuple[threading.Event, threading.Event]]]:
    """Holds the first command that dispatches the given domain event open (rows written and
    locked, not committed) until the test releases it."""
    connected: list[type] = []
    release = threading.Event()

    def hold(event_type: type) -> tuple[threading.Event, threading.Event]:
        inside = threading.Event()

        def wait(sender: type, record: Recorded, **kwargs: object) -> None:
            if not inside.is_set():
                inside.set()
                release.wait(10)

        domain_event.connect(wait, sender=event_type, weak=False, dispatch_uid="tests.depot.hold")
        connected.append(event_type)
        return inside, release

    yield hold
    release.set()
    for event_type in connected:
        domain_event.disconnect(sender=event_type, dispatch_uid="tests.depot.hold")


def test_of_two_lists_assigned_to_one_idle_bot_at_once_exactly_one_wins(hold_first):
    # given two available lists, one idle bot, and the first assignment held before its commit
    first, second = ShoppingListFactory(status="available"), ShoppingListFactory(status="available")
    bot = BotFactory()
    inside, release = hold_first(ShoppingListAssigned)
    first_outcome: list[object] = []
    second_outcome: list[object] = []
    # when the second assignment starts while the first holds the bot's row
    one = run_in_thread(
        lambda: services.shopping_list_assign(shopping_list_id=first.id, bot_id=bot.id), first_outcome
    )
    assert inside.wait(10)
    two = run_in_thread(
        lambda: services.shopping_list_assign(shopping_list_id=second.id, bot_id=bot.id), second_outcome
    )
    two.join(0.5)
    waited = two.is_alive()
    release.set()
    one.join(10)
    two.join(10)
    # then the second waited for the first, then found the bot busy
    assert waited is True
    assert (first_outcome, second_outcome) == ([None], ["the bot is not idle"])
    assert bot_state(bot.id)[:2] == ("active", first.id)
    assert [
        ShoppingList.objects.values_list("status", "assigned_bot_id").get(id=sl.id) for sl in (first, second)
    ] == [
        ("assigned", bot.id),
        ("available", ""),
    ]
    assert StreamMessage.objects.filter(name="depotapi.ShoppingListAssigned").count() == 1


def test_many_lists_racing_for_one_idle_bot_leave_exactly_one_assigned():
    # given
    lists = [ShoppingListFactory(status="available") for _ in range(6)]
    bot = BotFactory()
    start = threading.Barrier(len(lists))
    outcomes: list[object] = []

    def assign(list_id: str) -> Callable[[], None]:
        def run() -> None:
            start.wait(10)
            services.shopping_list_assign(shopping_list_id=list_id, bot_id=bot.id)

        return run

    # when
    threads = [run_in_thread(assign(sl.id), outcomes) for sl in lists]
    for thread in threads:
        thread.join(20)
    # then
    assert sorted(outcomes, key=str) == [None] + ["the bot is not idle"] * 5
    assert ShoppingList.objects.filter(status="assigned", assigned_bot_id=bot.id).count() == 1
    assert bot_state(bot.id)[1] == ShoppingList.objects.get(status="assigned").id
    assert StreamMessage.objects.filter(name="depotapi.ShoppingListAssigned").count() == 1


def test_two_creations_for_one_order_at_once_make_one_list(hold_first):
    # given the first creation held after its insert, before its commit
    product = CachedProductFactory()
    order_id = new_id()
    inside, release = hold_first(ShoppingListCreated)
    outcomes: list[object] = []

    def create() -> str:
        return services.shopping_list_create(order_id=order_id, items=[line(product, 1)])

    # when
    one = run_in_thread(create, outcomes)
    assert inside.wait(10)
    two = run_in_thread(create, outcomes)
    two.join(0.5)
    release.set()
    one.join(10)
    two.join(10)
    # then both answer the one list, announced once
    list_id = ShoppingList.objects.get(order_id=order_id).id
    assert outcomes == [list_id, list_id]
    assert list(StreamMessage.objects.filter(producer="depot").values_list("name", flat=True)) == [
        "depotapi.ShoppingListCreated"
    ]

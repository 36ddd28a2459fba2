"""The depot's back office: rows are read-only; assigning, completing, canceling and creating
bots go through the services, errors come back as messages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.depot import services
from apps.depot.domain import OrderLine
from apps.depot.models import Bot, OrderCopy, ProductCache, ShoppingList, StoreCache
from mallbots.kernel.messaging.models import StreamMessage
from tests.depot.factories import (
    BotFactory,
    CachedProductFactory,
    CachedStoreFactory,
    ShoppingListFactory,
    new_id,
)
from tests.depot.helpers import bot_state, list_state

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MODELS = ["shoppinglist", "bot", "ordercopy", "storecache", "productcache"]


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:depot_{model}_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def snapshot() -> tuple[list, list, int]:
    return (
        list(ShoppingList.objects.order_by("id").values()),
        list(Bot.objects.order_by("id").values()),
        StreamMessage.objects.count(),
    )


@pytest.fixture
def rows() -> dict[str, object]:
    product = CachedProductFactory()
    bot = BotFactory()
    order_id = new_id()
    services.order_copy_save(
        order_id=order_id, items=[OrderLine(product.id, product.store_id, 1, product.name)]
    )
    return {
        "shoppinglist": ShoppingListFactory(items=[(product, 2)], status="assigned", bot=bot),
        "bot": Bot.objects.get(id=bot.id),
        "ordercopy": OrderCopy.objects.get(order_id=order_id),
        "storecache": StoreCache.objects.get(id=product.store_id),
        "productcache": ProductCache.objects.get(id=product.id),
    }


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_detail_answer_200_for_a_superuser(admin_client, rows, model):
    # given
    obj = rows[model]
    # when
    listing = admin_client.get(url(model, "changelist"))
    detail = admin_client.get(url(model, "change", obj.pk))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [obj]
    assert detail.status_code == 200
    assert detail.context["original"] == obj


@pytest.mark.parametrize("model", MODELS)
def test_rows_cannot_be_changed_or_deleted(admin_client, rows, model):
    # given
    obj = rows[model]
    before = list(type(obj).objects.values())
    # when
    listing = admin_client.get(url(model, "changelist"))
    change = admin_client.post(url(model, "change", obj.pk), {"status": "idle", "name": "x"})
    delete = admin_client.post(url(model, "delete", obj.pk), {"post": "yes"})
    # then
    assert "delete_selected" not in listing.content.decode()
    assert (change.status_code, delete.status_code) == (403, 403)
    assert list(type(obj).objects.values()) == before


@pytest.mark.parametrize("model", ["shoppinglist", "ordercopy", "storecache", "productcache"])
def test_rows_other_than_bots_cannot_be_added(admin_client, rows, model):
    # given
    before = list(type(rows[model]).objects.values())
    # when
    listing = admin_client.get(url(model, "changelist"))
    add = admin_client.post(url(model, "add"), {"id": "x", "name": "x"})
    # then
    assert url(model, "add") not in listing.content.decode()
    assert add.status_code == 403
    assert list(type(rows[model]).objects.values()) == before


def test_shopping_list_detail_shows_its_stops(admin_client):
    # given
    product = CachedProductFactory(name="Scarf", store=CachedStoreFactory(name="Threads", location="Level 3"))
    shopping_list = ShoppingListFactory(items=[(product, 2), (product, 1)])
    # when
    response = admin_client.get(url("shoppinglist", "change", shopping_list.id))
    # then
    assert f"<tr><td>Threads</td><td>Level 3</td><td>Scarf</td><td>{product.id}</td><td>3</td></tr>" in (
        response.content.decode()
    )


def test_shopping_lists_are_filtered_by_status_and_found_by_order(admin_client):
    # given
    pending = ShoppingListFactory()
    available = ShoppingListFactory(status="available")
    changelist = url("shoppinglist", "changelist")
    # when
    by_status = admin_client.get(changelist, {"status__exact": "available"})
    by_order = admin_client.get(changelist, {"q": pending.order_id})
    # then
    assert list(by_status.context["cl"].result_list) == [available]
    assert list(by_order.context["cl"].result_list) == [pending]


# --- complete / cancel actions ------------------------------------------------------------------


def test_complete_action_completes_assigned_lists_and_reports_the_others(admin_client):
    # given
    bot = BotFactory()
    assigned = ShoppingListFactory(status="assigned", bot=bot)
    pending = ShoppingListFactory()
    # when
    response = admin_client.post(
        url("shoppinglist", "changelist"),
        {"action": "complete_selected", "_selected_action": [assigned.id, pending.id]},
    )
    # then
    assert response.status_code == 302
    assert flash(response) == [
        (
            "error",
            f"Shopping list {pending.id}: the shopping list cannot be completed: it is pending, and only "
            "assigned or active lists can be.",
        ),
        ("success", "Completed 1 shopping list."),
    ]
    assert list_state(assigned.id)[0] == "completed"
    assert bot_state(bot.id)[:2] == ("idle", "")
    assert list_state(pending.id)[0] == "pending"
    completed = StreamMessage.objects.get(name="depotapi.ShoppingListCompleted")
    assert completed.correlation_id == assigned.order_id


def test_cancel_action_cancels_lists_and_reports_the_completed_ones(admin_client):
    # given
    bot = BotFactory()
    assigned = ShoppingListFactory(status="assigned", bot=bot)
    available = ShoppingListFactory(status="available")
    completed = ShoppingListFactory(status="completed")
    # when
    response = admin_client.post(
        url("shoppinglist", "changelist"),
        {"action": "cancel_selected", "_selected_action": [assigned.id, available.id, completed.id]},
    )
    # then
    assert flash(response) == [
        (
            "error",
            f"Shopping list {completed.id}: the shopping list cannot be canceled: it is completed, and "
            "only pending, available, assigned or active lists can be.",
        ),
        ("success", "Canceled 2 shopping lists."),
    ]
    assert [list_state(sl.id)[0] for sl in (assigned, available, completed)] == [
        "canceled",
        "canceled",
        "completed",
    ]
    assert bot_state(bot.id)[:2] == ("idle", "")
    assert sorted(
        StreamMessage.objects.filter(name="depotapi.ShoppingListCanceled").values_list(
            "correlation_id", flat=True
        )
    ) == sorted([assigned.order_id, available.order_id])


# --- assign -------------------------------------------------------------------------------------


def test_assign_action_takes_one_list_to_the_assign_form(admin_client):
    # given
    BotFactory()
    shopping_list = ShoppingListFactory(status="available")
    other = ShoppingListFactory(status="available")
    changelist = url("shoppinglist", "changelist")
    # when
    one = admin_client.post(changelist, {"action": "assign_to_bot", "_selected_action": [shopping_list.id]})
    two = admin_client.post(
        changelist, {"action": "assign_to_bot", "_selected_action": [shopping_list.id, other.id]}
    )
    # then
    assert (one.status_code, one["Location"]) == (302, url("shoppinglist", "assign", shopping_list.id))
    assert flash(two) == [("warning", "Select one shopping list to assign to a bot.")]


def test_assign_form_offers_the_idle_bots_and_assigns_through_the_service(admin_client):
    # given
    shopping_list = ShoppingListFactory(status="available")
    idle = BotFactory(name="Idle Ida")
    busy = BotFactory(name="Busy Bob")
    ShoppingListFactory(status="assigned", bot=busy)
    page = url("shoppinglist", "assign", shopping_list.id)
    # when
    form = admin_client.get(page)
    response = admin_client.post(page, {"bot": idle.id})
    # then
    assert form.context["form"].fields["bot"].choices == [(idle.id, "Idle Ida")]
    assert (response.status_code, response["Location"]) == (
        302,
        url("shoppinglist", "change", shopping_list.id),
    )
    assert flash(response) == [("success", "Assigned the shopping list to Idle Ida.")]
    assert list_state(shopping_list.id)[:2] == ("assigned", idle.id)
    assert bot_state(idle.id)[:2] == ("active", shopping_list.id)
    assigned = StreamMessage.objects.get(
        name="depotapi.ShoppingListAssigned", partition_key=shopping_list.order_id
    )
    assert assigned.correlation_id == shopping_list.order_id


def test_assign_form_shows_a_domain_error_and_changes_nothing(admin_client):
    # given
    shopping_list = ShoppingListFactory(status="pending")
    bot = BotFactory()
    before = snapshot()
    # when
    response = admin_client.post(url("shoppinglist", "assign", shopping_list.id), {"bot": bot.id})
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", "the shopping list cannot be assigned")]
    assert snapshot() == before


def test_assign_form_of_an_unknown_list_is_not_found(admin_client):
    # when
    response = admin_client.get(url("shoppinglist", "assign", new_id()))
    # then
    assert response.status_code == 404


def test_assign_is_refused_with_the_reason_for_a_list_that_is_not_available(admin_client):
    # given
    BotFactory()
    completed = ShoppingListFactory(status="completed")
    # when
    by_action = admin_client.post(
        url("shoppinglist", "changelist"), {"action": "assign_to_bot", "_selected_action": [completed.id]}
    )
    action_messages = flash(by_action)
    admin_client.get(url("shoppinglist", "changelist"))  # shows (and so consumes) the messages
    by_form = admin_client.get(url("shoppinglist", "assign", completed.id))
    # then
    why = f"Shopping list {completed.id} is completed: only an available list can be assigned to a bot."
    assert action_messages == [("warning", why)]
    assert (by_form.status_code, by_form["Location"], flash(by_form)) == (
        302,
        url("shoppinglist", "change", completed.id),
        [("warning", why)],
    )
    assert list_state(completed.id)[0] == "completed"


def test_assign_is_not_offered_while_no_bot_is_idle(admin_client):
    # given
    available = ShoppingListFactory(status="available")
    # when
    page = admin_client.get(url("shoppinglist", "change", available.id)).content.decode()
    by_action = admin_client.post(
        url("shoppinglist", "changelist"), {"action": "assign_to_bot", "_selected_action": [available.id]}
    )
    # then
    assert url("shoppinglist", "assign", available.id) not in page
    assert flash(by_action) == [
        ("warning", "No bot is idle: a bot must finish its shopping list (or be created) first.")
    ]


def test_shopping_lists_show_their_bot_by_name_and_link_their_order(admin_client):
    # given
    bot = BotFactory(name="Robo-7")
    assigned = ShoppingListFactory(status="assigned", bot=bot)
    # when
    content = admin_client.get(url("shoppinglist", "changelist")).content.decode()
    # then
    assert f'href="/admin/depot/bot/{bot.id}/change/" title="{bot.id}">Robo-7' in content
    assert f'href="/admin/ordering/order/{assigned.order_id}/change/"' in content


def test_the_assign_link_shows_only_for_an_available_list(admin_client):
    # given
    BotFactory()
    available = ShoppingListFactory(status="available")
    pending = ShoppingListFactory()
    # when
    shown = admin_client.get(url("shoppinglist", "change", available.id)).content.decode()
    hidden = admin_client.get(url("shoppinglist", "change", pending.id)).content.decode()
    # then
    assert url("shoppinglist", "assign", available.id) in shown
    assert url("shoppinglist", "assign", pending.id) not in hidden


def test_staff_without_the_change_permission_cannot_assign():
    # given
    shopping_list = ShoppingListFactory(status="available")
    bot = BotFactory()
    user = User.objects.create_user("viewer", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    # when
    response = client.post(url("shoppinglist", "assign", shopping_list.id), {"bot": bot.id})
    # then
    assert response.status_code == 403
    assert list_state(shopping_list.id)[0] == "available"


# --- bots ---------------------------------------------------------------------------------------


def test_the_add_page_creates_an_idle_bot_through_the_service(admin_client):
    # when
    response = admin_client.post(url("bot", "add"), {"name": "Robbie"})
    # then
    bot = Bot.objects.get()
    assert (response.status_code, response["Location"]) == (302, url("bot", "change", bot.id))
    assert flash(response) == [("success", "Created the bot Robbie.")]
    assert (bot.name, bot.status, bot.version) == ("Robbie", "idle", 1)


def test_the_add_page_shows_a_blank_name_as_an_error(admin_client):
    # when
    response = admin_client.post(url("bot", "add"), {"name": "   "})
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", "the bot name cannot be blank")]
    assert not Bot.objects.exists()

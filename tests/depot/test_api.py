"""The depot REST API: the original's paths, wire format, status codes and error bodies, the
additions (reading lists, bots), permissions and query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.depot import services
from apps.depot.models import Bot, ShoppingList
from mallbots.kernel.messaging.models import StreamMessage
from tests.depot.factories import (
    BotFactory,
    CachedProductFactory,
    CachedStoreFactory,
    ShoppingListFactory,
    new_id,
)
from tests.depot.helpers import bot_state, list_state, published
from tests.stores.factories import ProductFactory, StoreFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def operator(api_client_for) -> APIClient:
    return api_client_for("depot-operators")


def error(code: int, message: str, details: list | None = None) -> dict:
    return {"code": code, "message": message, "details": details or []}


def snapshot() -> tuple[list, list, int]:
    return (
        list(ShoppingList.objects.order_by("id").values()),
        list(Bot.objects.order_by("id").values()),
        StreamMessage.objects.count(),
    )


def wire(shopping_list: ShoppingList) -> dict:
    """A list as the API shows it, from the row."""
    return {
        "id": shopping_list.id,
        "orderId": shopping_list.order_id,
        "status": shopping_list.status,
        "assignedBotId": shopping_list.assigned_bot_id,
        "stops": [
            {
                "storeId": stop["store_id"],
                "storeName": stop["store_name"],
                "storeLocation": stop["store_location"],
                "items": [
                    {
                        "productId": i["product_id"],
                        "productName": i["product_name"],
                        "quantity": i["quantity"],
                    }
                    for i in stop["items"]
                ],
            }
            for stop in shopping_list.stops
        ],
    }


# --- createShoppingList -------------------------------------------------------------------------


def test_create_shopping_list_answers_the_id_of_a_pending_list_with_quantities_summed(operator):
    # given
    books = CachedStoreFactory(name="Waldorf Books", location="Level 1")
    coffee = CachedStoreFactory(name="Corner Coffee", location="Level 2")
    go = CachedProductFactory(store=books, name="Go book")
    beans = CachedProductFactory(store=coffee, name="Beans")
    order_id = new_id()
    body = {
        "orderId": order_id,
        "items": [
            {"productId": go.id, "storeId": books.id, "quantity": 1},
            {"productId": beans.id, "storeId": coffee.id, "quantity": 2},
            {"productId": go.id, "storeId": books.id, "quantity": 2},
        ],
    }
    # when
    response = operator.post("/api/depot/shopping", body, format="json")
    # then
    assert response.status_code == 200
    list_id = response.json()["id"]
    assert response.json() == {"id": list_id}
    assert wire(ShoppingList.objects.get(id=list_id)) == {
        "id": list_id,
        "orderId": order_id,
        "status": "pending",
        "assignedBotId": "",
        "stops": [
            {
                "storeId": books.id,
                "storeName": "Waldorf Books",
                "storeLocation": "Level 1",
                "items": [{"productId": go.id, "productName": "Go book", "quantity": 3}],
            },
            {
                "storeId": coffee.id,
                "storeName": "Corner Coffee",
                "storeLocation": "Level 2",
                "items": [{"productId": beans.id, "productName": "Beans", "quantity": 2}],
            },
        ],
    }
    message = StreamMessage.objects.get(producer="depot")
    assert (message.name, message.payload) == (
        "depotapi.ShoppingListCreated",
        {"id": list_id, "order_id": order_id},
    )
    assert message.correlation_id == order_id


def test_create_shopping_list_looks_up_what_the_caches_do_not_hold(operator):
    # given
    product = ProductFactory(name="Umbrella", store=StoreFactory(name="Rainy Days"))
    body = {
        "orderId": new_id(),
        "items": [{"productId": product.id, "storeId": product.store_id, "quantity": 1}],
    }
    # when
    response = operator.post("/api/depot/shopping", body, format="json")
    # then
    assert response.status_code == 200
    stop = ShoppingList.objects.get(id=response.json()["id"]).stops[0]
    assert (stop["store_name"], stop["items"][0]["product_name"]) == ("Rainy Days", "Umbrella")


def test_create_shopping_list_again_for_the_order_answers_its_list(operator):
    # given
    shopping_list = ShoppingListFactory()
    product = CachedProductFactory()
    before = snapshot()
    body = {
        "orderId": shopping_list.order_id,
        "items": [{"productId": product.id, "storeId": product.store_id, "quantity": 1}],
    }
    # when
    response = operator.post("/api/depot/shopping", body, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {"id": shopping_list.id})
    assert snapshot() == before


@pytest.mark.parametrize(
    ("items", "status", "message"),
    [
        ("unknown-product", 404, "the product is no longer sold: {product}"),
        ("unknown-store", 404, "the store was not found"),
        ("other-store", 400, "the product is not sold by that store"),
    ],
)
def test_create_shopping_list_refuses_products_and_stores_it_cannot_find(operator, items, status, message):
    # given
    store = CachedStoreFactory()
    product_id = new_id()
    if items == "unknown-store":
        services.product_cache_add(
            product_id=product_id, store_id="fe6a5bc8-4022-52b1-ab90-f90a87b671a3", name="Lamp"
        )
        item = {"productId": product_id, "storeId": "fe6a5bc8-4022-52b1-ab90-f90a87b671a3", "quantity": 1}
    elif items == "other-store":
        item = {"productId": CachedProductFactory().id, "storeId": store.id, "quantity": 1}
    else:
        item = {"productId": product_id, "storeId": store.id, "quantity": 1}
    before = snapshot()
    # when
    response = operator.post("/api/depot/shopping", {"orderId": new_id(), "items": [item]}, format="json")
    # then
    code = 5 if status == 404 else 3
    assert (response.status_code, response.json()) == (
        status,
        error(code, message.format(product=product_id)),
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "items": [
                    {
                        "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                        "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                        "quantity": 1,
                    }
                ]
            },
            "the order id cannot be blank",
        ),
        (
            {
                "orderId": " ",
                "items": [
                    {
                        "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                        "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                        "quantity": 1,
                    }
                ],
            },
            "the order id cannot be blank",
        ),
        ({"orderId": "6fd23b4e-6c59-5d39-a29f-e00baf76b541"}, "the shopping list needs at least one item"),
        (
            {"orderId": "6fd23b4e-6c59-5d39-a29f-e00baf76b541", "items": []},
            "the shopping list needs at least one item",
        ),
        ({}, "the order id cannot be blank"),
    ],
)
def test_create_shopping_list_needs_an_order_and_items(operator, body, message):
    # when
    response = operator.post("/api/depot/shopping", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert snapshot() == ([], [], 0)


@pytest.mark.parametrize(
    ("item", "field", "description"),
    [
        (
            {
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "quantity": 0,
            },
            "items[0].quantity",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
            },
            "items[0].quantity",
            "This field is required.",
        ),
        (
            {"storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "quantity": 1},
            "items[0].productId",
            "This field is required.",
        ),
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "storeId": "", "quantity": 1},
            "items[0].storeId",
            "Must be a valid UUID.",
        ),
        (
            {
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "quantity": "two",
            },
            "items[0].quantity",
            "A valid integer is required.",
        ),
    ],
)
def test_create_shopping_list_names_the_bad_item_field(operator, item, field, description):
    # when
    response = operator.post(
        "/api/depot/shopping",
        {"orderId": "6fd23b4e-6c59-5d39-a29f-e00baf76b541", "items": [item]},
        format="json",
    )
    # then
    assert (response.status_code, response.json()) == (
        400,
        error(3, f"{field}: {description}", [{"field": field, "description": description}]),
    )
    assert snapshot() == ([], [], 0)


# --- getShoppingLists / getShoppingList ---------------------------------------------------------


def test_get_shopping_list_answers_the_list_with_its_stops(operator):
    # given
    bot = BotFactory()
    product = CachedProductFactory(name="Scarf", store=CachedStoreFactory(name="Threads", location="Level 3"))
    shopping_list = ShoppingListFactory(items=[(product, 2)], status="assigned", bot=bot)
    # when
    response = operator.get(f"/api/depot/shopping/{shopping_list.id}")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "shoppingList": {
            "id": shopping_list.id,
            "orderId": shopping_list.order_id,
            "status": "assigned",
            "assignedBotId": bot.id,
            "stops": [
                {
                    "storeId": product.store_id,
                    "storeName": "Threads",
                    "storeLocation": "Level 3",
                    "items": [{"productId": product.id, "productName": "Scarf", "quantity": 2}],
                }
            ],
        }
    }


def test_get_shopping_list_of_an_unknown_id_is_not_found(operator):
    # when
    response = operator.get(f"/api/depot/shopping/{new_id()}")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the shopping list was not found"))


def test_get_shopping_lists_of_an_order(operator):
    # given
    shopping_list = ShoppingListFactory()
    ShoppingListFactory()
    # when
    response = operator.get("/api/depot/shopping", {"orderId": shopping_list.order_id})
    # then
    assert (response.status_code, response.json()) == (
        200,
        {"shoppingLists": [wire(ShoppingList.objects.get(id=shopping_list.id))]},
    )


def test_get_shopping_lists_of_an_order_without_one_is_empty(operator):
    # when
    response = operator.get("/api/depot/shopping", {"orderId": new_id()})
    # then
    assert (response.status_code, response.json()) == (200, {"shoppingLists": []})


def test_get_available_shopping_lists_oldest_first(operator):
    # given
    first = ShoppingListFactory(status="available")
    ShoppingListFactory(status="pending")
    second = ShoppingListFactory(status="available")
    ShoppingListFactory(status="assigned")
    # when
    response = operator.get("/api/depot/shopping", {"status": "available"})
    # then
    assert response.status_code == 200
    assert [sl["id"] for sl in response.json()["shoppingLists"]] == [first.id, second.id]


def test_get_shopping_lists_with_an_unknown_status_names_the_parameter(operator):
    # when
    response = operator.get("/api/depot/shopping", {"status": "lost"})
    # then
    description = '"lost" is not a valid choice.'
    assert (response.status_code, response.json()) == (
        400,
        error(3, f"status: {description}", [{"field": "status", "description": description}]),
    )


def test_get_shopping_lists_takes_the_same_number_of_queries_however_many_lists(
    operator, django_assert_max_num_queries
):
    # given
    products = [CachedProductFactory() for _ in range(3)]
    for _ in range(20):
        ShoppingListFactory(items=[(product, 1) for product in products])
    # when: the token with its user, the user's and the groups' permissions, the lists
    with django_assert_max_num_queries(4):
        response = operator.get("/api/depot/shopping")
    # then
    assert len(response.json()["shoppingLists"]) == 20


# --- cancelShoppingList -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, None])
def test_cancel_shopping_list_frees_its_bot(operator, body):
    # given
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="assigned", bot=bot)
    # when
    response = operator.post(f"/api/depot/shopping/{shopping_list.id}", body, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert list_state(shopping_list.id)[0] == "canceled"
    assert bot_state(bot.id)[:2] == ("idle", "")
    canceled = StreamMessage.objects.get(name="depotapi.ShoppingListCanceled")
    assert canceled.correlation_id == shopping_list.order_id


def test_cancel_shopping_list_that_is_completed_is_refused(operator):
    # given
    shopping_list = ShoppingListFactory(status="completed")
    before = snapshot()
    # when
    response = operator.post(f"/api/depot/shopping/{shopping_list.id}", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the shopping list cannot be canceled"))
    assert snapshot() == before


def test_cancel_shopping_list_of_an_unknown_id_is_not_found(operator):
    # when
    response = operator.post(f"/api/depot/shopping/{new_id()}", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the shopping list was not found"))


# --- assignShoppingList -------------------------------------------------------------------------


def test_assign_shopping_list_to_an_idle_bot(operator):
    # given
    shopping_list = ShoppingListFactory(status="available")
    bot = BotFactory()
    # when
    response = operator.put(
        f"/api/depot/shopping/{shopping_list.id}/assign", {"botId": bot.id}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert list_state(shopping_list.id)[:2] == ("assigned", bot.id)
    assert bot_state(bot.id)[:2] == ("active", shopping_list.id)
    assert published(shopping_list.order_id)[-1] == (
        "depotapi.ShoppingListAssigned",
        {"id": shopping_list.id, "order_id": shopping_list.order_id, "bot_id": bot.id},
    )
    assert (
        StreamMessage.objects.get(name="depotapi.ShoppingListAssigned").correlation_id
        == shopping_list.order_id
    )


@pytest.mark.parametrize(
    ("case", "status", "body"),
    [
        ("pending list", 400, error(9, "the shopping list cannot be assigned")),
        ("busy bot", 400, error(9, "the bot is not idle")),
        ("unknown bot", 404, error(5, "the bot was not found")),
        ("unknown list", 404, error(5, "the shopping list was not found")),
    ],
)
def test_assign_shopping_list_refusals(operator, case, status, body):
    # given
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="pending" if case == "pending list" else "available")
    list_id, bot_id = shopping_list.id, bot.id
    if case == "busy bot":
        ShoppingListFactory(status="assigned", bot=bot)
    elif case == "unknown bot":
        bot_id = new_id()
    elif case == "unknown list":
        list_id = new_id()
    before = snapshot()
    # when
    response = operator.put(f"/api/depot/shopping/{list_id}/assign", {"botId": bot_id}, format="json")
    # then
    assert (response.status_code, response.json()) == (status, body)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({}, "This field is required."),
        ({"botId": ""}, "Must be a valid UUID."),
        ({"botId": 1}, "Must be a valid UUID."),
    ],
)
def test_assign_shopping_list_needs_a_bot_id(operator, body, description):
    # given
    shopping_list = ShoppingListFactory(status="available")
    # when
    response = operator.put(f"/api/depot/shopping/{shopping_list.id}/assign", body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        400,
        error(3, f"botId: {description}", [{"field": "botId", "description": description}]),
    )
    assert list_state(shopping_list.id)[0] == "available"


# --- ccompleteShoppingList ----------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, None])
def test_complete_shopping_list_frees_its_bot(operator, body):
    # given
    bot = BotFactory()
    shopping_list = ShoppingListFactory(status="assigned", bot=bot)
    # when
    response = operator.put(f"/api/depot/shopping/{shopping_list.id}/complete", body, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert list_state(shopping_list.id)[:2] == ("completed", bot.id)
    assert bot_state(bot.id)[:2] == ("idle", "")
    completed = StreamMessage.objects.get(name="depotapi.ShoppingListCompleted")
    assert (completed.payload, completed.correlation_id) == (
        {"id": shopping_list.id, "order_id": shopping_list.order_id},
        shopping_list.order_id,
    )


def test_complete_shopping_list_that_is_not_assigned_is_refused(operator):
    # given
    shopping_list = ShoppingListFactory(status="available")
    before = snapshot()
    # when
    response = operator.put(f"/api/depot/shopping/{shopping_list.id}/complete", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the shopping list cannot be completed"))
    assert snapshot() == before


def test_complete_shopping_list_of_an_unknown_id_is_not_found(operator):
    # when
    response = operator.put(f"/api/depot/shopping/{new_id()}/complete", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the shopping list was not found"))


# --- bots ---------------------------------------------------------------------------------------


def test_create_bot_answers_the_id_of_an_idle_bot(operator):
    # when
    response = operator.post("/api/depot/bots", {"name": "Robbie"}, format="json")
    # then
    assert response.status_code == 200
    bot_id = response.json()["id"]
    assert response.json() == {"id": bot_id}
    assert bot_state(bot_id) == ("idle", "", 1)


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}])
def test_create_bot_needs_a_name(operator, body):
    # when
    response = operator.post("/api/depot/bots", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the bot name cannot be blank"))
    assert not Bot.objects.exists()


def test_get_bots_by_name_with_their_status(operator, django_assert_max_num_queries):
    # given
    zed = BotFactory(name="Zed")
    ada = BotFactory(name="Ada")
    ShoppingListFactory(status="assigned", bot=zed)
    # when
    with django_assert_max_num_queries(4):
        response = operator.get("/api/depot/bots")
    # then
    assert (response.status_code, response.json()) == (
        200,
        {
            "bots": [
                {"id": ada.id, "name": "Ada", "status": "idle"},
                {"id": zed.id, "name": "Zed", "status": "active"},
            ]
        },
    )


# --- who may call ---------------------------------------------------------------------------------

ENDPOINTS = [
    ("post", "/api/depot/shopping"),
    ("get", "/api/depot/shopping"),
    ("get", "/api/depot/shopping/{id}"),
    ("post", "/api/depot/shopping/{id}"),
    ("put", "/api/depot/shopping/{id}/assign"),
    ("put", "/api/depot/shopping/{id}/complete"),
    ("post", "/api/depot/bots"),
    ("get", "/api/depot/bots"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_callers_are_unauthenticated(method, path):
    # given
    shopping_list = ShoppingListFactory()
    before = snapshot()
    # when
    response = getattr(APIClient(), method)(path.format(id=shopping_list.id), {}, format="json")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == 16
    assert snapshot() == before


@pytest.mark.parametrize("group", ["kiosk", "store-managers"])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_users_outside_the_depot_operators_are_forbidden(api_client_for, group, method, path):
    # given
    shopping_list = ShoppingListFactory()
    before = snapshot()
    # when
    response = getattr(api_client_for(group), method)(path.format(id=shopping_list.id), {}, format="json")
    # then
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert snapshot() == before


def test_administrators_may_run_the_depot(api_client_for):
    # given
    staff = api_client_for("administrators", staff=True)
    shopping_list = ShoppingListFactory(status="available")
    # when
    bot_id = staff.post("/api/depot/bots", {"name": "Robbie"}, format="json").json()["id"]
    response = staff.put(f"/api/depot/shopping/{shopping_list.id}/assign", {"botId": bot_id}, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert list_state(shopping_list.id)[:2] == ("assigned", bot_id)


def test_depot_operators_may_add_change_and_view_lists_and_bots():
    # when
    codenames = set(
        Group.objects.get(name="depot-operators")
        .permissions.filter(content_type__app_label="depot")
        .values_list("codename", flat=True)
    )
    # then
    assert codenames == {f"{a}_{m}" for a in ("add", "change", "view") for m in ("shoppinglist", "bot")}


def test_an_unsupported_method_is_not_allowed(operator):
    # when
    response = operator.delete("/api/depot/bots")
    # then
    assert response.status_code == 405

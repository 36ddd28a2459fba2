"""The stores REST API: wire format of every operation against the reference
(docs/api/original/stores.swagger.json), status codes, error bodies, permissions, query counts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.stores import services
from apps.stores.models import Product, Store
from tests.stores.factories import ProductFactory, StoreFactory
from tests.stores.helpers import counts, events_of, messages_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "api" / "original" / "stores.swagger.json").read_text()
)


def reference_fields(definition: str) -> set[str]:
    return set(REFERENCE["definitions"][definition]["properties"])


def request_fields(method: str, path: str) -> set[str]:
    for param in REFERENCE["paths"][path][method]["parameters"]:
        if param["in"] == "body":
            schema = param["schema"]
            if "$ref" in schema:
                schema = REFERENCE["definitions"][schema["$ref"].split("/")[-1]]
            return set(schema.get("properties", {}))
    return set()


def error(code: int, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or []}


@pytest.fixture
def manager(api_client_for) -> APIClient:
    return api_client_for("store-managers")


@pytest.fixture
def kiosk(api_client_for) -> APIClient:
    return api_client_for("kiosk")


MISSING = "9c8b7a65-4321-4fed-8cba-0123456789ab"

# Every operation of the reference: (method, path with {id}/{storeId} filled in later, body,
# permission needed). Used for the 401 / 403 checks.
OPERATIONS = [
    ("get", "/api/stores", None),
    ("post", "/api/stores", {"name": "Books", "location": "Level 1"}),
    ("get", "/api/stores/participating", None),
    ("get", "/api/stores/{store}", None),
    ("put", "/api/stores/{store}/rebrand", {"name": "Other"}),
    ("put", "/api/stores/{store}/participating", {}),
    ("delete", "/api/stores/{store}/participating", None),
    ("get", "/api/stores/{store}/products", None),
    ("post", "/api/stores/{store}/products", {"name": "Pen", "price": 1}),
    ("get", "/api/stores/products/{product}", None),
    ("put", "/api/stores/products/{product}/rebrand", {"name": "Other", "description": ""}),
    ("put", "/api/stores/products/{product}/increasePrice", {"price": 20}),
    ("put", "/api/stores/products/{product}/decreasePrice", {"price": 1}),
    ("delete", "/api/stores/products/{product}", None),
]
READS = [op for op in OPERATIONS if op[0] == "get"]
WRITES = [op for op in OPERATIONS if op[0] != "get"]


def call(client: APIClient, method: str, path: str, body: Any, store_id: str, product_id: str):
    url = path.format(store=store_id, product=product_id)
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )


# --- Stores ---------------------------------------------------------------------------------


def test_create_store_answers_the_new_id(manager):
    # given
    assert request_fields("post", "/api/stores") == {"name", "location"}
    # when
    response = manager.post("/api/stores", {"name": "Books", "location": "Level 1"}, format="json")
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == reference_fields("storespbCreateStoreResponse") == {"id"}
    store = Store.objects.get(id=body["id"])
    assert (store.name, store.location, store.participating) == ("Books", "Level 1", False)
    assert messages_of(body["id"]) == [
        ("storesapi.StoreCreated", {"id": body["id"], "name": "Books", "location": "Level 1"})
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "the store name cannot be blank"),
        ({"name": "  ", "location": "Level 1"}, "the store name cannot be blank"),
        ({"name": "Books"}, "the store location cannot be blank"),
        ({"name": "Books", "location": ""}, "the store location cannot be blank"),
    ],
)
def test_create_store_with_a_blank_name_or_location_answers_400_with_the_original_message(
    manager, body, message
):
    # given
    before = counts()
    # when
    response = manager.post("/api/stores", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert counts() == before


def test_a_body_that_is_not_json_answers_400(manager):
    response = manager.generic("POST", "/api/stores", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == 3


def test_get_stores_lists_every_store_by_name(kiosk):
    # given
    shoes = StoreFactory(name="Shoes", location="Level 2", participating=True)
    books = StoreFactory(name="Books", location="Level 1")
    # when
    response = kiosk.get("/api/stores")
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == reference_fields("storespbGetStoresResponse")
    assert all(set(s) == reference_fields("storespbStore") for s in body["stores"])
    assert body == {
        "stores": [
            {"id": books.id, "name": "Books", "location": "Level 1", "participating": False},
            {"id": shoes.id, "name": "Shoes", "location": "Level 2", "participating": True},
        ]
    }


def test_get_stores_when_there_are_none(kiosk):
    response = kiosk.get("/api/stores")
    assert (response.status_code, response.json()) == (200, {"stores": []})


def test_get_participating_stores_lists_only_participating_ones(kiosk):
    # given
    shoes = StoreFactory(name="Shoes", participating=True)
    StoreFactory(name="Books")
    # when
    response = kiosk.get("/api/stores/participating")
    # then
    assert response.status_code == 200
    assert set(response.json()) == reference_fields("storespbGetParticipatingStoresResponse")
    assert response.json() == {
        "stores": [{"id": shoes.id, "name": "Shoes", "location": shoes.location, "participating": True}]
    }


def test_get_store(kiosk):
    # given
    store = StoreFactory(name="Books", location="Level 1", participating=True)
    # when
    response = kiosk.get(f"/api/stores/{store.id}")
    # then
    assert response.status_code == 200
    assert set(response.json()) == reference_fields("storespbGetStoreResponse")
    assert response.json() == {
        "store": {"id": store.id, "name": "Books", "location": "Level 1", "participating": True}
    }


def test_rebrand_store(manager):
    # given
    store = StoreFactory(name="Books")
    assert request_fields("put", "/api/stores/{id}/rebrand") == {"name"}
    # when
    response = manager.put(f"/api/stores/{store.id}/rebrand", {"name": "Books & Coffee"}, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert Store.objects.get(id=store.id).name == "Books & Coffee"


def test_a_blank_rebrand_answers_400_and_changes_nothing(manager):
    # given
    store = StoreFactory(name="Books")
    before = counts()
    # when
    response = manager.put(f"/api/stores/{store.id}/rebrand", {"name": ""}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the store name cannot be blank"))
    assert counts() == before
    assert Store.objects.get(id=store.id).name == "Books"


@pytest.mark.parametrize("body", [{}, None])
def test_enable_participation_accepts_an_empty_body_or_none(manager, body):
    # given
    store = StoreFactory()
    assert request_fields("put", "/api/stores/{id}/participating") == set()
    # when
    if body is None:
        response = manager.put(f"/api/stores/{store.id}/participating")
    else:
        response = manager.put(f"/api/stores/{store.id}/participating", body, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert Store.objects.get(id=store.id).participating is True


def test_enable_participation_twice_answers_400_with_the_original_message(manager):
    # given
    store = StoreFactory(participating=True)
    before = counts()
    # when
    response = manager.put(f"/api/stores/{store.id}/participating", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the store is already participating"))
    assert counts() == before


def test_disable_participation(manager):
    # given
    store = StoreFactory(participating=True)
    # when
    response = manager.delete(f"/api/stores/{store.id}/participating")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert Store.objects.get(id=store.id).participating is False
    assert messages_of(store.id)[-1] == (
        "storesapi.StoreParticipatingToggled",
        {"id": store.id, "participating": False},
    )


def test_disable_participation_of_a_store_that_does_not_participate_answers_400(manager):
    # given
    store = StoreFactory()
    before = counts()
    # when
    response = manager.delete(f"/api/stores/{store.id}/participating")
    # then
    assert (response.status_code, response.json()) == (
        400,
        error(3, "the store is already not participating"),
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/stores/{id}", None),
        ("put", "/api/stores/{id}/rebrand", {"name": "Ghost"}),
        ("put", "/api/stores/{id}/participating", {}),
        ("delete", "/api/stores/{id}/participating", None),
        ("get", "/api/stores/{id}/products", None),
        ("post", "/api/stores/{id}/products", {"name": "Ghost", "price": 1}),
    ],
)
def test_an_unknown_store_answers_404_and_creates_no_stream(api_client_for, method, path, body):
    # given
    client = api_client_for("administrators", staff=True)
    StoreFactory()
    before = counts()
    # when
    response = call(client, method, path.replace("{id}", "{store}"), body, MISSING, "")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the store was not found"))
    assert counts() == before
    assert events_of(MISSING) == []


# --- Products -------------------------------------------------------------------------------


def test_add_product_answers_the_new_id(manager):
    # given
    store = StoreFactory()
    assert request_fields("post", "/api/stores/{storeId}/products") == {"name", "description", "sku", "price"}
    # when
    response = manager.post(
        f"/api/stores/{store.id}/products",
        {"name": "Novel", "description": "Paperback", "sku": "BK-1", "price": 12.5},
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == reference_fields("storespbAddProductResponse") == {"id"}
    product = Product.objects.get(id=body["id"])
    assert (product.store_id, product.name, product.description, product.sku, product.price) == (
        store.id,
        "Novel",
        "Paperback",
        "BK-1",
        Decimal("12.50"),
    )


def test_add_product_with_only_name_and_price(manager):
    # given
    store = StoreFactory()
    # when
    response = manager.post(f"/api/stores/{store.id}/products", {"name": "Pen", "price": 0}, format="json")
    # then
    assert response.status_code == 200
    product = Product.objects.get(id=response.json()["id"])
    assert (product.description, product.sku, product.price) == ("", "", Decimal("0.00"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"price": 1}, error(3, "the product name cannot be blank")),
        ({"name": "Pen", "price": -1}, error(3, "the product price cannot be negative")),
        (
            {"name": "Pen"},
            error(
                3,
                "price: This field is required.",
                [{"field": "price", "description": "This field is required."}],
            ),
        ),
        (
            {"name": "Pen", "price": "lots"},
            error(
                3,
                "price: A valid number is required.",
                [{"field": "price", "description": "A valid number is required."}],
            ),
        ),
        (
            {"name": "Pen", "price": 1.005},
            error(
                3,
                "price: Ensure that there are no more than 2 decimal places.",
                [{"field": "price", "description": "Ensure that there are no more than 2 decimal places."}],
            ),
        ),
        (
            {"name": "Pen", "price": 10000000},
            error(
                3,
                "price: Ensure that there are no more than 7 digits before the decimal point.",
                [
                    {
                        "field": "price",
                        "description": "Ensure that there are no more than 7 digits before the decimal point.",
                    }
                ],
            ),
        ),
    ],
)
def test_add_an_invalid_product_answers_400(manager, body, expected):
    # given
    store = StoreFactory()
    before = counts()
    # when
    response = manager.post(f"/api/stores/{store.id}/products", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, expected)
    assert counts() == before


def test_adding_a_sku_the_store_has_answers_400_with_the_reason(manager):
    # given
    existing = ProductFactory(sku="BK-1")
    before = counts()
    # when
    response = manager.post(
        f"/api/stores/{existing.store_id}/products",
        {"name": "Copy", "sku": "BK-1", "price": 1},
        format="json",
    )
    # then
    message = "the store already has a product with that SKU"
    assert (response.status_code, response.json()) == (
        400,
        error(3, message, [{"field": "sku", "description": message}]),
    )
    assert counts() == before


def test_get_product(kiosk):
    # given
    product = ProductFactory(name="Novel", description="Paperback", sku="BK-1", price=Decimal("12.50"))
    # when
    response = kiosk.get(f"/api/stores/products/{product.id}")
    # then
    assert response.status_code == 200
    assert set(response.json()) == reference_fields("storespbGetProductResponse")
    assert set(response.json()["product"]) == reference_fields("storespbProduct")
    assert response.json() == {
        "product": {
            "id": product.id,
            "storeId": product.store_id,
            "name": "Novel",
            "description": "Paperback",
            "sku": "BK-1",
            "price": 12.5,
        }
    }


def test_get_store_products_lists_the_catalog_of_that_store_only(kiosk):
    # given
    store = StoreFactory()
    pen = ProductFactory(store=store, name="Pen", description="", sku="P-1", price=Decimal("1.99"))
    ink = ProductFactory(store=store, name="Ink", description="Blue", sku="I-1", price=Decimal("3"))
    ProductFactory()  # another store's
    # when
    response = kiosk.get(f"/api/stores/{store.id}/products")
    # then
    assert response.status_code == 200
    assert set(response.json()) == reference_fields("storespbGetCatalogResponse")
    assert response.json() == {
        "products": [
            {
                "id": ink.id,
                "storeId": store.id,
                "name": "Ink",
                "description": "Blue",
                "sku": "I-1",
                "price": 3.0,
            },
            {
                "id": pen.id,
                "storeId": store.id,
                "name": "Pen",
                "description": "",
                "sku": "P-1",
                "price": 1.99,
            },
        ]
    }


def test_the_catalog_of_a_store_without_products_is_empty(kiosk):
    store = StoreFactory()
    response = kiosk.get(f"/api/stores/{store.id}/products")
    assert (response.status_code, response.json()) == (200, {"products": []})


def test_rebrand_product(manager):
    # given
    product = ProductFactory()
    assert request_fields("put", "/api/stores/products/{id}/rebrand") == {"name", "description"}
    # when
    response = manager.put(
        f"/api/stores/products/{product.id}/rebrand", {"name": "Poems", "description": "Slim"}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (200, {})
    product.refresh_from_db()
    assert (product.name, product.description) == ("Poems", "Slim")


def test_a_blank_product_rebrand_answers_400(manager):
    # given
    product = ProductFactory(name="Novel")
    before = counts()
    # when
    response = manager.put(f"/api/stores/products/{product.id}/rebrand", {"description": "x"}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the product name cannot be blank"))
    assert counts() == before


def test_increase_and_decrease_price_take_the_new_price(manager):
    # given
    product = ProductFactory(price=Decimal("10.00"))
    assert request_fields("put", "/api/stores/products/{id}/increasePrice") == {"price"}
    assert request_fields("put", "/api/stores/products/{id}/decreasePrice") == {"price"}
    # when
    increased = manager.put(
        f"/api/stores/products/{product.id}/increasePrice", {"price": 12.5}, format="json"
    )
    after_increase = Product.objects.get(id=product.id).price
    decreased = manager.put(
        f"/api/stores/products/{product.id}/decreasePrice", {"price": 7.25}, format="json"
    )
    # then
    assert (increased.status_code, increased.json()) == (200, {})
    assert (decreased.status_code, decreased.json()) == (200, {})
    assert after_increase == Decimal("12.50")
    assert Product.objects.get(id=product.id).price == Decimal("7.25")
    assert [payload for _, payload in messages_of(product.id)[1:]] == [
        {"id": product.id, "delta": "2.50", "price": "12.50"},
        {"id": product.id, "delta": "-5.25", "price": "7.25"},
    ]


@pytest.mark.parametrize(
    ("action", "price", "message"),
    [
        ("increasePrice", 9.99, "the price change would be a decrease"),
        ("decreasePrice", 10.01, "the price change would be an increase"),
        ("increasePrice", -5, "the product price cannot be negative"),
    ],
)
def test_a_price_change_in_the_wrong_direction_answers_400(manager, action, price, message):
    # given
    product = ProductFactory(price=Decimal("10.00"))
    before = counts()
    # when
    response = manager.put(f"/api/stores/products/{product.id}/{action}", {"price": price}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert counts() == before
    assert Product.objects.get(id=product.id).price == Decimal("10.00")


@pytest.mark.parametrize("action", ["increasePrice", "decreasePrice"])
def test_a_price_change_without_a_price_answers_400(manager, action):
    product = ProductFactory()
    before = counts()
    response = manager.put(f"/api/stores/products/{product.id}/{action}", {}, format="json")
    assert (response.status_code, response.json()["details"]) == (
        400,
        [{"field": "price", "description": "This field is required."}],
    )
    assert counts() == before


def test_remove_product_then_it_is_gone(manager):
    # given
    product = ProductFactory()
    # when
    response = manager.delete(f"/api/stores/products/{product.id}")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert not Product.objects.filter(id=product.id).exists()
    assert manager.get(f"/api/stores/products/{product.id}").status_code == 404
    assert manager.get(f"/api/stores/{product.store_id}/products").json() == {"products": []}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/api/stores/products/{product}/rebrand", {"name": "Other"}),
        ("put", "/api/stores/products/{product}/increasePrice", {"price": 99}),
        ("put", "/api/stores/products/{product}/decreasePrice", {"price": 1}),
        ("delete", "/api/stores/products/{product}", None),
    ],
)
def test_a_removed_product_answers_400_failed_precondition(manager, method, path, body):
    # given
    product = ProductFactory()
    services.product_remove(product_id=product.id)
    before = counts()
    # when
    response = call(manager, method, path, body, "", product.id)
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the product has been removed"))
    assert counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/stores/products/{product}", None),
        ("put", "/api/stores/products/{product}/rebrand", {"name": "Other"}),
        ("put", "/api/stores/products/{product}/increasePrice", {"price": 99}),
        ("put", "/api/stores/products/{product}/decreasePrice", {"price": 1}),
        ("delete", "/api/stores/products/{product}", None),
    ],
)
def test_an_unknown_product_answers_404_and_creates_no_stream(api_client_for, method, path, body):
    # given
    client = api_client_for("administrators", staff=True)
    ProductFactory()
    before = counts()
    # when
    response = call(client, method, path, body, "", MISSING)
    # then
    assert (response.status_code, response.json()) == (404, error(5, "product with that ID does not exist"))
    assert counts() == before
    assert events_of(MISSING) == []


# --- Authentication and permissions ---------------------------------------------------------


@pytest.fixture
def existing() -> tuple[str, str]:
    product = ProductFactory(price=Decimal("10.00"))
    services.store_enable_participation(store_id=product.store_id)
    return product.store_id, product.id


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_anonymous_requests_answer_401_and_change_nothing(existing, method, path, body):
    # given
    before = counts()
    # when
    response = call(APIClient(), method, path, body, *existing)
    # then
    assert (response.status_code, response.json()) == (
        401,
        error(16, "Authentication credentials were not provided."),
    )
    assert counts() == before


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_a_user_without_a_group_gets_403_and_changes_nothing(api_client_for, existing, method, path, body):
    # given
    client = api_client_for()
    before = counts()
    # when
    response = call(client, method, path, body, *existing)
    # then
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert counts() == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_kiosk_may_not_change_stores_or_products(kiosk, existing, method, path, body):
    before = counts()
    response = call(kiosk, method, path, body, *existing)
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_a_kiosk_may_read_stores_and_products(kiosk, existing, method, path, body):
    assert call(kiosk, method, path, body, *existing).status_code == 200


@pytest.mark.parametrize("who", ["store-managers", "administrators"])
@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_store_managers_and_administrators_may_do_everything(
    api_client_for, existing, who, method, path, body
):
    # given a store in the state the operation needs
    client = api_client_for(who, staff=who == "administrators")
    if (method, path) == ("put", "/api/stores/{store}/participating"):
        services.store_disable_participation(store_id=existing[0])
    # when
    response = call(client, method, path, body, *existing)
    # then
    assert response.status_code == 200, response.json()


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/stores", "/api/stores/participating"])
def test_store_lists_take_a_fixed_number_of_queries(kiosk, django_assert_max_num_queries, path):
    # given
    for _ in range(15):
        StoreFactory(participating=True)
    # when / then: token, permissions (user, groups), the list
    with django_assert_max_num_queries(4):
        response = kiosk.get(path)
    assert len(response.json()["stores"]) == 15


def test_the_catalog_takes_a_fixed_number_of_queries(kiosk, django_assert_max_num_queries):
    # given
    store = StoreFactory()
    for _ in range(15):
        ProductFactory(store=store)
    # when / then: token, permissions (user, groups), the store, the products
    with django_assert_max_num_queries(5):
        response = kiosk.get(f"/api/stores/{store.id}/products")
    assert len(response.json()["products"]) == 15


@pytest.mark.parametrize(("method", "path"), [("put", "/api/stores"), ("post", "/api/stores/{store}")])
def test_a_method_the_path_does_not_have_answers_405(kiosk, existing, method, path):
    response = call(kiosk, method, path, {}, *existing)
    assert (response.status_code, response.json()["code"]) == (405, 12)

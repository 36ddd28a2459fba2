"""The baskets REST API: the original's wire format, status codes and error bodies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.baskets import services
from apps.baskets.models import Basket
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from tests.baskets.factories import BasketFactory, CachedProductFactory, CachedStoreFactory, new_id
from tests.baskets.helpers import events_of
from tests.stores.factories import ProductFactory, StoreFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def kiosk(api_client_for) -> APIClient:
    return api_client_for("kiosk")


def error(code: int, message: str, details: list | None = None) -> dict:
    return {"code": code, "message": message, "details": details or []}


# --- startBasket ----------------------------------------------------------------------------


def test_start_basket_answers_the_new_id(kiosk):
    # when
    response = kiosk.post(
        "/api/baskets", {"customerId": "3ec49e14-d88d-5647-be97-ce58b99fbcf7"}, format="json"
    )
    # then
    assert response.status_code == 200
    basket_id = response.json()["id"]
    assert response.json() == {"id": basket_id}
    assert Basket.objects.get(id=basket_id).customer_id == "3ec49e14-d88d-5647-be97-ce58b99fbcf7"
    assert events_of(basket_id) == [(1, "baskets.BasketStarted")]


@pytest.mark.parametrize("body", [{"customerId": ""}, {"customerId": "  "}, {}, None])
def test_start_basket_without_a_customer_is_refused_and_starts_nothing(kiosk, body):
    # when
    response = kiosk.post("/api/baskets", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the customer id cannot be blank"))
    assert not Event.objects.exists()
    assert not Basket.objects.exists()
    assert not StreamMessage.objects.exists()


@pytest.mark.parametrize("customer_id", ["c" * 65, "bob", 42], ids=["overlong", "not a uuid", "a number"])
def test_start_basket_with_a_customer_id_that_is_no_uuid_names_the_field(kiosk, customer_id):
    # when
    response = kiosk.post("/api/baskets", {"customerId": customer_id}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == error(
        3,
        "customerId: Must be a valid UUID.",
        [{"field": "customerId", "description": "Must be a valid UUID."}],
    )
    assert not Basket.objects.exists()
    assert not Event.objects.exists()


def test_start_basket_with_malformed_json_is_a_bad_request(kiosk):
    # when
    response = kiosk.generic("POST", "/api/baskets", "{not json", content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert not Basket.objects.exists()


# --- getBasket ------------------------------------------------------------------------------


def test_get_basket_answers_the_original_shape_plus_customer_payment_and_status(kiosk):
    # given
    store = CachedStoreFactory(name="Threads")
    shirt = CachedProductFactory(store=store, name="Shirt", price=Decimal("9.99"))
    mug = CachedProductFactory(store=store, name="Mug", price=Decimal("4.50"))
    basket = BasketFactory(
        customer_id="3ec49e14-d88d-5647-be97-ce58b99fbcf7",
        items=[(shirt, 2), (mug, 1)],
        payment_id="c6d65f30-c600-5051-865f-2de994f4f127",
    )
    # when
    response = kiosk.get(f"/api/baskets/{basket.id}")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "basket": {
            "id": basket.id,
            "items": [
                {
                    "storeId": store.id,
                    "productId": shirt.id,
                    "storeName": "Threads",
                    "productName": "Shirt",
                    "productPrice": 9.99,
                    "quantity": 2,
                },
                {
                    "storeId": store.id,
                    "productId": mug.id,
                    "storeName": "Threads",
                    "productName": "Mug",
                    "productPrice": 4.5,
                    "quantity": 1,
                },
            ],
            "customerId": "3ec49e14-d88d-5647-be97-ce58b99fbcf7",
            "paymentId": "c6d65f30-c600-5051-865f-2de994f4f127",
            "status": "checked_out",
        }
    }
    assert b'"productPrice":9.99' in response.content


def test_get_basket_of_a_new_basket(kiosk):
    # given
    basket = BasketFactory(customer_id="29b29c98-8625-5f6f-8618-364aaac50778")
    # when
    response = kiosk.get(f"/api/baskets/{basket.id}")
    # then
    assert response.json() == {
        "basket": {
            "id": basket.id,
            "items": [],
            "customerId": "29b29c98-8625-5f6f-8618-364aaac50778",
            "paymentId": "",
            "status": "open",
        }
    }


def test_get_basket_of_an_unknown_id_is_not_found(kiosk):
    # when
    response = kiosk.get(f"/api/baskets/{new_id()}")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the basket was not found"))


def test_get_basket_takes_the_same_number_of_queries_however_many_items(kiosk, django_assert_max_num_queries):
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), n) for n in range(1, 21)])
    # when: the token with its user, the user's and the groups' permissions, the basket
    with django_assert_max_num_queries(4):
        response = kiosk.get(f"/api/baskets/{basket.id}")
    # then
    assert len(response.json()["basket"]["items"]) == 20


# --- addItem / removeItem -------------------------------------------------------------------


def test_add_item_answers_empty_and_adds_to_the_quantity(kiosk):
    # given
    shirt = CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 1)])
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/addItem", {"productId": shirt.id, "quantity": 2}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert [(line["product_id"], line["quantity"]) for line in Basket.objects.get(id=basket.id).items] == [
        (shirt.id, 3)
    ]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "the item quantity must be at least 1"), (-1, "the item quantity cannot be negative")],
)
def test_add_item_needs_a_quantity_of_at_least_one(kiosk, quantity, message):
    # given
    basket = BasketFactory()
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/addItem",
        {"productId": CachedProductFactory().id, "quantity": quantity},
        format="json",
    )
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert events_of(basket.id) == [(1, "baskets.BasketStarted")]


@pytest.mark.parametrize(
    ("body", "field", "description"),
    [
        ({"quantity": 1}, "productId", "This field is required."),
        ({"productId": "", "quantity": 1}, "productId", "Must be a valid UUID."),
        ({"productId": 7, "quantity": 1}, "productId", "Must be a valid UUID."),
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "quantity": "2"},
            "quantity",
            "A valid integer is required.",
        ),
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "quantity": True},
            "quantity",
            "A valid integer is required.",
        ),
        ({"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a"}, "quantity", "This field is required."),
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "quantity": "two"},
            "quantity",
            "A valid integer is required.",
        ),
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "quantity": 10_001},
            "quantity",
            "Ensure this value is less than or equal to 10000.",
        ),
    ],
)
def test_add_item_with_a_malformed_body_names_the_field(kiosk, body, field, description):
    # given
    basket = BasketFactory()
    # when
    response = kiosk.put(f"/api/baskets/{basket.id}/addItem", body, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == error(
        3, f"{field}: {description}", [{"field": field, "description": description}]
    )
    assert events_of(basket.id) == [(1, "baskets.BasketStarted")]


def test_add_item_of_an_unknown_product_is_not_found(kiosk):
    # given
    basket = BasketFactory()
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/addItem", {"productId": new_id(), "quantity": 1}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (
        404,
        error(5, "product fallback failed: product was not located"),
    )
    assert events_of(basket.id) == [(1, "baskets.BasketStarted")]


def test_add_item_to_a_checked_out_basket_cannot_modify_it(kiosk):
    # given
    product = CachedProductFactory()
    basket = BasketFactory(items=[(product, 1)], payment_id="c6d65f30-c600-5051-865f-2de994f4f127")
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/addItem", {"productId": product.id, "quantity": 1}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the basket cannot be modified"))
    assert len(events_of(basket.id)) == 3


def test_remove_item_of_one_of_two_keeps_one(kiosk):
    # given
    shirt = CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 2)])
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/removeItem", {"productId": shirt.id, "quantity": 1}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (200, {})
    items = kiosk.get(f"/api/baskets/{basket.id}").json()["basket"]["items"]
    assert [(i["productId"], i["quantity"]) for i in items] == [(shirt.id, 1)]


def test_remove_item_of_a_product_not_in_the_basket_is_refused(kiosk):
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/removeItem", {"productId": new_id(), "quantity": 1}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the product is not in the basket"))
    assert len(events_of(basket.id)) == 2


def test_remove_item_with_quantity_zero_is_refused(kiosk):
    # given
    shirt = CachedProductFactory()
    basket = BasketFactory(items=[(shirt, 1)])
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/removeItem", {"productId": shirt.id, "quantity": 0}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the item quantity must be at least 1"))
    assert len(events_of(basket.id)) == 2


# --- checkoutBasket -------------------------------------------------------------------------


def test_checkout_answers_empty_and_checks_the_basket_out(kiosk):
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/checkout",
        {"paymentId": "c6d65f30-c600-5051-865f-2de994f4f127"},
        format="json",
    )
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert Basket.objects.values_list("status", "payment_id").get(id=basket.id) == (
        "checked_out",
        "c6d65f30-c600-5051-865f-2de994f4f127",
    )
    assert (
        StreamMessage.objects.filter(name="basketsapi.BasketCheckedOut", partition_key=basket.id).count() == 1
    )


@pytest.mark.parametrize("body", [{"paymentId": ""}, {}, None])
def test_checkout_without_a_payment_is_refused(kiosk, body):
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    response = kiosk.put(f"/api/baskets/{basket.id}/checkout", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the payment id cannot be blank"))
    assert Basket.objects.get(id=basket.id).status == "open"
    assert not StreamMessage.objects.filter(name="basketsapi.BasketCheckedOut").exists()


def test_checkout_of_an_empty_basket_is_refused(kiosk):
    # given
    basket = BasketFactory()
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/checkout",
        {"paymentId": "c6d65f30-c600-5051-865f-2de994f4f127"},
        format="json",
    )
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the basket has no items"))
    assert Basket.objects.get(id=basket.id).status == "open"


def test_a_second_checkout_cannot_modify_the_basket(kiosk):
    # given
    basket = BasketFactory(
        items=[(CachedProductFactory(), 1)], payment_id="c6d65f30-c600-5051-865f-2de994f4f127"
    )
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/checkout",
        {"paymentId": "ff9ff528-a9e6-57e7-9678-8b54f33112a3"},
        format="json",
    )
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the basket cannot be modified"))
    assert Basket.objects.get(id=basket.id).payment_id == "c6d65f30-c600-5051-865f-2de994f4f127"


# --- cancelBasket ---------------------------------------------------------------------------


def test_cancel_answers_empty_and_cancels(kiosk):
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    response = kiosk.delete(f"/api/baskets/{basket.id}")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert kiosk.get(f"/api/baskets/{basket.id}").json()["basket"]["status"] == "canceled"


def test_a_second_cancel_is_refused(kiosk):
    # given
    basket = BasketFactory(canceled=True)
    # when
    response = kiosk.delete(f"/api/baskets/{basket.id}")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the basket cannot be cancelled"))
    assert len(events_of(basket.id)) == 2


# --- Unknown ids, authentication, permissions -----------------------------------------------

COMMANDS = [
    ("get", "/api/baskets/{id}", None),
    ("delete", "/api/baskets/{id}", None),
    ("put", "/api/baskets/{id}/checkout", {"paymentId": "c6d65f30-c600-5051-865f-2de994f4f127"}),
    (
        "put",
        "/api/baskets/{id}/addItem",
        {"productId": "8b6facad-71d2-5cff-ab59-2446f1da1f0d", "quantity": 1},
    ),
    (
        "put",
        "/api/baskets/{id}/removeItem",
        {"productId": "8b6facad-71d2-5cff-ab59-2446f1da1f0d", "quantity": 1},
    ),
]
ALL = [("post", "/api/baskets", {"customerId": "3ec49e14-d88d-5647-be97-ce58b99fbcf7"}), *COMMANDS]
IDS = [f"{method} {path}" for method, path, _ in ALL]


@pytest.mark.parametrize(("method", "path", "body"), COMMANDS, ids=IDS[1:])
def test_every_operation_on_an_unknown_basket_is_not_found_and_creates_nothing(kiosk, method, path, body):
    # given
    basket_id = new_id()
    # when
    response = getattr(kiosk, method)(path.format(id=basket_id), body, format="json")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the basket was not found"))
    assert events_of(basket_id) == []
    assert not StreamMessage.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), ALL, ids=IDS)
def test_anonymous_requests_are_unauthenticated(method, path, body):
    # given
    basket = BasketFactory()
    # when
    response = getattr(APIClient(), method)(path.format(id=basket.id), body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        401,
        error(16, "Authentication credentials were not provided."),
    )
    assert len(events_of(basket.id)) == 1


@pytest.mark.parametrize(("method", "path", "body"), ALL, ids=IDS)
def test_users_outside_the_kiosk_group_are_denied(api_client_for, method, path, body):
    # given
    basket = BasketFactory()
    store_manager = api_client_for("store-managers")
    # when
    response = getattr(store_manager, method)(path.format(id=basket.id), body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert len(events_of(basket.id)) == 1
    assert Basket.objects.count() == 1


def test_administrators_may_do_everything(api_client_for):
    # given
    staff = api_client_for("administrators", staff=True)
    product = CachedProductFactory()
    # when
    basket_id = staff.post(
        "/api/baskets", {"customerId": "3ec49e14-d88d-5647-be97-ce58b99fbcf7"}, format="json"
    ).json()["id"]
    added = staff.put(
        f"/api/baskets/{basket_id}/addItem", {"productId": product.id, "quantity": 1}, format="json"
    )
    checked_out = staff.put(
        f"/api/baskets/{basket_id}/checkout",
        {"paymentId": "c6d65f30-c600-5051-865f-2de994f4f127"},
        format="json",
    )
    # then
    assert (added.status_code, checked_out.status_code) == (200, 200)
    assert staff.get(f"/api/baskets/{basket_id}").json()["basket"]["status"] == "checked_out"


def test_the_kiosk_fills_and_checks_out_a_basket_with_products_it_never_cached(kiosk):
    # given a product the baskets context has only heard of through a fallback
    store = StoreFactory(name="Corner shop")
    product = ProductFactory(store=store, name="Tea", price=Decimal("3.20"))
    # when
    basket_id = kiosk.post(
        "/api/baskets", {"customerId": "0dbb91c2-c602-5715-9b1b-c073544dc32e"}, format="json"
    ).json()["id"]
    kiosk.put(f"/api/baskets/{basket_id}/addItem", {"productId": product.id, "quantity": 3}, format="json")
    checkout = kiosk.put(
        f"/api/baskets/{basket_id}/checkout",
        {"paymentId": "d5e5d3e5-8dfd-5cbc-9afb-1d1c302df92f"},
        format="json",
    )
    # then
    assert checkout.status_code == 200
    assert StreamMessage.objects.get(name="basketsapi.BasketCheckedOut").payload == {
        "id": basket_id,
        "customer_id": "0dbb91c2-c602-5715-9b1b-c073544dc32e",
        "payment_id": "d5e5d3e5-8dfd-5cbc-9afb-1d1c302df92f",
        "items": [
            {
                "store_id": store.id,
                "product_id": product.id,
                "store_name": "Corner shop",
                "product_name": "Tea",
                "price": "3.20",
                "quantity": 3,
            }
        ],
    }
    assert services.baskets.get(basket_id).status == "checked_out"


def test_an_overlong_or_odd_basket_id_is_simply_not_found(kiosk):
    # when
    overlong = kiosk.get(f"/api/baskets/{'b' * 300}")
    odd = kiosk.put(
        "/api/baskets/%E2%82%AC%20x/checkout",
        {"paymentId": "c6d65f30-c600-5051-865f-2de994f4f127"},
        format="json",
    )
    # then
    assert (overlong.status_code, overlong.json()) == (404, error(5, "not found"))
    assert (odd.status_code, odd.json()) == (404, error(5, "not found"))


@pytest.mark.parametrize(
    ("body", "field", "description"),
    [
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "quantity": 1.5},
            "quantity",
            "A valid integer is required.",
        ),
        (["productId", "quantity"], "non_field_errors", "Invalid data. Expected a dictionary, but got list."),
        ({"productId": "p\x00", "quantity": 1}, "productId", "Must be a valid UUID."),
    ],
)
def test_remove_item_with_a_body_of_the_wrong_shape_is_a_bad_request(kiosk, body, field, description):
    # given
    basket = BasketFactory()
    # when
    response = kiosk.put(f"/api/baskets/{basket.id}/removeItem", body, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["details"] == [{"field": field, "description": description}]
    assert len(events_of(basket.id)) == 1


def test_a_method_the_path_does_not_have_is_not_allowed(kiosk):
    # given
    basket = BasketFactory()
    # when
    response = kiosk.post(f"/api/baskets/{basket.id}", {}, format="json")
    # then
    assert response.status_code == 405
    assert response.json()["code"] == 12

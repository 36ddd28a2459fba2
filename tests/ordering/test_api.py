"""The ordering REST API: the original's wire format plus shoppingId, invoiceId and total,
status codes, error bodies, permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.ordering.models import Order
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from tests.ordering.factories import OrderFactory, item, new_id
from tests.ordering.helpers import events_of, published, row

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def kiosk(api_client_for) -> APIClient:
    return api_client_for("kiosk")


@pytest.fixture
def staff(api_client_for) -> APIClient:
    return api_client_for("administrators", staff=True)


def error(code: int, message: str, details: list | None = None) -> dict:
    return {"code": code, "message": message, "details": details or []}


def order_body(**fields) -> dict:
    return {
        "customerId": "3ec49e14-d88d-5647-be97-ce58b99fbcf7",
        "paymentId": "c6d65f30-c600-5051-865f-2de994f4f127",
        "items": [
            {
                "storeId": "e4385f53-5b23-5d48-8674-4ec8dc20ad84",
                "productId": "c8338abc-abc0-5aee-a056-8557faf43dd7",
                "storeName": "Threads",
                "productName": "Shirt",
                "price": 9.99,
                "quantity": 2,
            },
            {
                "storeId": "aa2f04b5-30a3-5687-817f-adf5c327ad0f",
                "productId": "d8617968-7eb6-5347-a1ba-c6d286ee63f0",
                "storeName": "Kitchen",
                "productName": "Mug",
                "price": 4.5,
                "quantity": 1,
            },
        ],
        **fields,
    }


# --- createOrder ----------------------------------------------------------------------------


def test_create_order_answers_the_new_id_and_starts_a_pending_order(staff):
    # when
    response = staff.post("/api/ordering", order_body(), format="json")
    # then
    assert response.status_code == 200
    order_id = response.json()["id"]
    assert response.json() == {"id": order_id}
    assert len(order_id) == 36
    assert (row(order_id)["status"], row(order_id)["total"]) == ("pending", Decimal("24.48"))
    assert [(i["product_id"], i["price"], i["quantity"]) for i in row(order_id)["items"]] == [
        ("c8338abc-abc0-5aee-a056-8557faf43dd7", "9.99", 2),
        ("d8617968-7eb6-5347-a1ba-c6d286ee63f0", "4.50", 1),
    ]
    assert [name for name, _ in published(order_id)] == ["ordersapi.OrderCreated"]


def test_create_order_runs_under_the_new_order_id_as_correlation_id(staff):
    # when
    response = staff.post("/api/ordering", order_body(), format="json", HTTP_X_CORRELATION_ID="request-1")
    # then
    order_id = response.json()["id"]
    metadata = Event.objects.get(stream_id=order_id).metadata
    assert metadata["correlation_id"] == order_id
    assert metadata["causation_id"] == "request-1"
    assert StreamMessage.objects.get(partition_key=order_id).correlation_id == order_id


def test_create_order_takes_names_as_optional(staff):
    # given
    body = order_body(
        items=[
            {
                "storeId": "466a4a9a-6d59-5294-87b2-a094cffaa0ee",
                "productId": "8b6facad-71d2-5cff-ab59-2446f1da1f0d",
                "price": 1,
                "quantity": 1,
            }
        ]
    )
    # when
    response = staff.post("/api/ordering", body, format="json")
    # then
    assert response.status_code == 200
    assert row(response.json()["id"])["items"] == [
        {
            "store_id": "466a4a9a-6d59-5294-87b2-a094cffaa0ee",
            "product_id": "8b6facad-71d2-5cff-ab59-2446f1da1f0d",
            "store_name": "",
            "product_name": "",
            "price": "1.00",
            "quantity": 1,
        }
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"items": []}, "create order command: the order has no items"),
        ({"items": None}, "create order command: the order has no items"),
        ({"customerId": ""}, "create order command: the customer id cannot be blank"),
        ({"customerId": None}, "create order command: the customer id cannot be blank"),
        ({"paymentId": "  "}, "create order command: the payment id cannot be blank"),
        ({"paymentId": None}, "create order command: the payment id cannot be blank"),
    ],
    ids=["empty items", "no items", "blank customer", "no customer", "blank payment", "no payment"],
)
def test_create_order_refuses_what_the_original_refused_and_creates_nothing(staff, fields, message):
    # given
    body = {k: v for k, v in order_body(**fields).items() if v is not None}
    # when
    response = staff.post("/api/ordering", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert not Event.objects.exists()
    assert not Order.objects.exists()
    assert not StreamMessage.objects.exists()


@pytest.mark.parametrize("body", [{}, None])
def test_create_order_with_no_body_has_no_items(staff, body):
    # when
    response = staff.post("/api/ordering", body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        400,
        error(3, "create order command: the order has no items"),
    )


@pytest.mark.parametrize(
    ("price", "quantity", "message"),
    [
        (9.99, 0, "create order command: the item quantity must be at least 1"),
        (9.99, -2, "create order command: the item quantity must be at least 1"),
        (-0.01, 1, "create order command: the item price cannot be negative"),
    ],
)
def test_create_order_refuses_an_item_without_quantity_or_with_a_negative_price(
    staff, price, quantity, message
):
    # given
    body = order_body(
        items=[
            {
                "storeId": "466a4a9a-6d59-5294-87b2-a094cffaa0ee",
                "productId": "8b6facad-71d2-5cff-ab59-2446f1da1f0d",
                "price": price,
                "quantity": quantity,
            }
        ]
    )
    # when
    response = staff.post("/api/ordering", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("item_fields", "field", "description"),
    [
        (
            {"productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a", "price": 1, "quantity": 1},
            "items[0].storeId",
            "This field is required.",
        ),
        (
            {"storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "productId": "", "price": 1, "quantity": 1},
            "items[0].productId",
            "Must be a valid UUID.",
        ),
        (
            {
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "quantity": 1,
            },
            "items[0].price",
            "This field is required.",
        ),
        (
            {
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "price": 1.999,
                "quantity": 1,
            },
            "items[0].price",
            "Ensure that there are no more than 2 decimal places.",
        ),
        (
            {
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "price": "x",
                "quantity": 1,
            },
            "items[0].price",
            "A valid number is required.",
        ),
        (
            {
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "price": 1,
                "quantity": 1.5,
            },
            "items[0].quantity",
            "A valid integer is required.",
        ),
        (
            {
                "storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                "productId": "5b1e7c2a-0d4f-4b8e-9a6c-3f2e1d0c9b8a",
                "price": 1,
                "quantity": 10_001,
            },
            "items[0].quantity",
            "Ensure this value is less than or equal to 10000.",
        ),
    ],
    ids=[
        "no store",
        "blank product",
        "no price",
        "three decimals",
        "price not a number",
        "fractional quantity",
        "int32",
    ],
)
def test_create_order_with_a_malformed_item_names_the_field(staff, item_fields, field, description):
    # when
    response = staff.post("/api/ordering", order_body(items=[item_fields]), format="json")
    # then
    assert response.status_code == 400
    assert response.json() == error(
        3, f"{field}: {description}", [{"field": field, "description": description}]
    )
    assert not Order.objects.exists()


def test_create_order_with_an_overlong_customer_id_names_the_field(staff):
    # when
    response = staff.post("/api/ordering", order_body(customerId="c" * 65), format="json")
    # then
    assert response.status_code == 400
    assert response.json()["details"] == [{"field": "customerId", "description": "Must be a valid UUID."}]


def test_create_order_with_items_of_the_wrong_shape_is_a_bad_request(staff):
    # when
    response = staff.post(
        "/api/ordering", order_body(items={"storeId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}), format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json()["details"] == [
        {"field": "items.non_field_errors", "description": 'Expected a list of items but got type "dict".'}
    ]
    assert not Order.objects.exists()


def test_create_order_with_malformed_json_is_a_bad_request(staff):
    # when
    response = staff.generic("POST", "/api/ordering", "{not json", content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert not Order.objects.exists()


# --- getOrder -------------------------------------------------------------------------------


def test_get_order_answers_the_original_shape_plus_shopping_invoice_and_total(kiosk):
    # given
    shirt = item(price="9.99", quantity=2, product_name="Shirt", store_name="Threads")
    mug = item(price="4.50", quantity=1, product_name="Mug", store_name="Kitchen")
    order = OrderFactory(
        customer_id="3ec49e14-d88d-5647-be97-ce58b99fbcf7",
        payment_id="c6d65f30-c600-5051-865f-2de994f4f127",
        items=[shirt, mug],
        status="completed",
        shopping_id="sh-1",
    )
    # when
    response = kiosk.get(f"/api/ordering/{order.id}")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "order": {
            "id": order.id,
            "customerId": "3ec49e14-d88d-5647-be97-ce58b99fbcf7",
            "paymentId": "c6d65f30-c600-5051-865f-2de994f4f127",
            "items": [
                {
                    "storeId": shirt.store_id,
                    "productId": shirt.product_id,
                    "storeName": "Threads",
                    "productName": "Shirt",
                    "price": 9.99,
                    "quantity": 2,
                },
                {
                    "storeId": mug.store_id,
                    "productId": mug.product_id,
                    "storeName": "Kitchen",
                    "productName": "Mug",
                    "price": 4.5,
                    "quantity": 1,
                },
            ],
            "status": "completed",
            "shoppingId": "sh-1",
            "invoiceId": order.id,
            "total": 24.48,
        }
    }
    assert b'"total":24.48' in response.content
    assert b'"price":9.99' in response.content


@pytest.mark.parametrize(
    "status", ["pending", "approved", "in-progress", "ready", "completed", "rejected", "cancelled"]
)
def test_get_order_shows_each_status_as_the_original_spelled_it(kiosk, status):
    # given
    order = OrderFactory(status=status)
    # when
    response = kiosk.get(f"/api/ordering/{order.id}")
    # then
    assert response.json()["order"]["status"] == status


def test_get_order_of_a_new_order_has_no_shopping_list_or_invoice(kiosk):
    # given
    order = OrderFactory()
    # when
    body = kiosk.get(f"/api/ordering/{order.id}").json()["order"]
    # then
    assert (body["status"], body["shoppingId"], body["invoiceId"]) == ("pending", "", "")


def test_get_order_of_an_unknown_id_is_not_found(kiosk):
    # when
    response = kiosk.get(f"/api/ordering/{new_id()}")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the order was not found"))


def test_get_order_takes_the_same_number_of_queries_however_many_items(kiosk, django_assert_max_num_queries):
    # given
    order = OrderFactory(items=[item(quantity=n) for n in range(1, 31)])
    # when: the token with its user, the user's and the groups' permissions, the order
    with django_assert_max_num_queries(4):
        response = kiosk.get(f"/api/ordering/{order.id}")
    # then
    assert len(response.json()["order"]["items"]) == 30


# --- cancelOrder ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_cancel_order_answers_empty_and_cancels(kiosk, status):
    # given
    order = OrderFactory(status=status)
    # when
    response = kiosk.delete(f"/api/ordering/{order.id}")
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert row(order.id)["status"] == "cancelled"
    assert published(order.id)[-1][0] == "ordersapi.OrderCanceled"


def test_cancel_order_runs_under_the_order_id_as_correlation_id(kiosk):
    # given
    order = OrderFactory()
    # when
    kiosk.delete(f"/api/ordering/{order.id}", HTTP_X_CORRELATION_ID="request-2")
    # then
    metadata = Event.objects.get(stream_id=order.id, version=2).metadata
    assert (metadata["correlation_id"], metadata["causation_id"]) == (order.id, "request-2")
    assert StreamMessage.objects.get(name="ordersapi.OrderCanceled").correlation_id == order.id


@pytest.mark.parametrize("status", ["in-progress", "ready", "completed", "rejected", "cancelled"])
def test_cancel_order_in_a_later_status_is_refused_and_changes_nothing(kiosk, status):
    # given
    order = OrderFactory(status=status)
    before, outbox_before = row(order.id), StreamMessage.objects.count()
    # when
    response = kiosk.delete(f"/api/ordering/{order.id}")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the order cannot be cancelled"))
    assert row(order.id) == before
    assert StreamMessage.objects.count() == outbox_before


# --- Unknown ids, authentication, permissions -----------------------------------------------


def test_cancel_order_of_an_unknown_id_is_not_found_and_creates_nothing(kiosk):
    # given
    order_id = new_id()
    # when
    response = kiosk.delete(f"/api/ordering/{order_id}")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the order was not found"))
    assert events_of(order_id) == []
    assert not StreamMessage.objects.exists()


def test_an_overlong_or_odd_order_id_is_simply_not_found(kiosk):
    # when
    overlong = kiosk.get(f"/api/ordering/{'o' * 300}")
    odd = kiosk.delete("/api/ordering/%E2%82%AC%20x")
    # then
    assert (overlong.status_code, overlong.json()) == (404, error(5, "not found"))
    assert (odd.status_code, odd.json()) == (404, error(5, "not found"))


ALL = [
    ("post", "/api/ordering", order_body()),
    ("get", "/api/ordering/{id}", None),
    ("delete", "/api/ordering/{id}", None),
]
IDS = [f"{method} {path}" for method, path, _ in ALL]


@pytest.mark.parametrize(("method", "path", "body"), ALL, ids=IDS)
def test_anonymous_requests_are_unauthenticated(method, path, body):
    # given
    order = OrderFactory()
    # when
    response = getattr(APIClient(), method)(path.format(id=order.id), body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        401,
        error(16, "Authentication credentials were not provided."),
    )
    assert Order.objects.count() == 1
    assert row(order.id)["status"] == "pending"


@pytest.mark.parametrize(("method", "path", "body"), ALL, ids=IDS)
def test_users_outside_the_kiosk_group_are_denied(api_client_for, method, path, body):
    # given
    order = OrderFactory()
    store_manager = api_client_for("store-managers")
    # when
    response = getattr(store_manager, method)(path.format(id=order.id), body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert Order.objects.count() == 1
    assert row(order.id)["status"] == "pending"


def test_a_kiosk_reads_and_cancels_orders_but_does_not_create_them(kiosk):
    # given
    order = OrderFactory()
    # when
    created = kiosk.post("/api/ordering", order_body(), format="json")
    read = kiosk.get(f"/api/ordering/{order.id}")
    cancelled = kiosk.delete(f"/api/ordering/{order.id}")
    # then
    assert (created.status_code, created.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert (read.status_code, cancelled.status_code) == (200, 200)
    assert Order.objects.count() == 1


def test_administrators_may_do_everything(staff):
    # when
    order_id = staff.post("/api/ordering", order_body(), format="json").json()["id"]
    read = staff.get(f"/api/ordering/{order_id}")
    cancelled = staff.delete(f"/api/ordering/{order_id}")
    # then
    assert read.json()["order"]["status"] == "pending"
    assert (cancelled.status_code, cancelled.json()) == (200, {})
    assert staff.get(f"/api/ordering/{order_id}").json()["order"]["status"] == "cancelled"


def test_a_method_the_path_does_not_have_is_not_allowed(kiosk):
    # given
    order = OrderFactory()
    # when
    response = kiosk.put(f"/api/ordering/{order.id}", {}, format="json")
    # then
    assert response.status_code == 405
    assert response.json()["code"] == 12


# --- The schema -----------------------------------------------------------------------------


def test_the_schema_describes_the_order_with_the_additions(client):
    # when
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    # then
    order = schema["components"]["schemas"]["orderingpbOrder"]
    assert list(order["properties"]) == [
        "id",
        "customerId",
        "paymentId",
        "items",
        "status",
        "shoppingId",
        "invoiceId",
        "total",
    ]
    assert schema["paths"]["/api/ordering/{id}"]["delete"]["operationId"] == "cancelOrder"

"""The search REST API: wire format of both operations against the reference
(docs/api/original/search.swagger.json), every filter over the wire, pagination, status codes,
error bodies, permissions, query counts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.search.domain import OrderStatus
from tests.search.factories import T0, SearchOrderFactory, line, new_id
from tests.search.helpers import rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "api" / "original" / "search.swagger.json").read_text()
)
SEARCH = "/api/search/orders"


def reference_fields(definition: str) -> set[str]:
    return set(REFERENCE["definitions"][definition]["properties"])


def error(code: int, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or []}


def field_error(field: str, description: str) -> dict[str, Any]:
    return error(3, f"{field}: {description}", [{"field": field, "description": description}])


@pytest.fixture
def kiosk(api_client_for) -> APIClient:
    return api_client_for("kiosk")


def search(client: APIClient, body: Any = None) -> Any:
    return client.post(SEARCH, body, format="json") if body is not None else client.post(SEARCH)


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [order["orderId"] for order in response.json()["orders"]]


# --- searchOrders: wire format --------------------------------------------------------------


def test_search_answers_the_reference_shape_with_names_total_and_status(kiosk):
    # given
    assert reference_fields("searchpbSearchOrdersRequest") == {"filters", "next", "limit"}
    customer_id, store_id = new_id(), new_id()
    kiosk_customer = {"customer_id": customer_id}
    from apps.search import services

    services.customer_cache_add(customer_id=customer_id, name="Ada Lovelace")
    shirt = line(
        store_id=store_id, product_name="Blue shirt", store_name="Threads", price="19.99", quantity=2
    )
    beans = line(product_name="Espresso beans 1 kg", store_name="Corner Coffee", price="18.5", quantity=1)
    order = SearchOrderFactory(items=[shirt, beans], status=OrderStatus.IN_PROGRESS, **kiosk_customer)
    # when
    response = search(kiosk, {})
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == reference_fields("searchpbSearchOrdersResponse")
    assert body == {
        "orders": [
            {
                "orderId": order.order_id,
                "customerId": customer_id,
                "customerName": "Ada Lovelace",
                "items": [
                    {
                        "productId": shirt.product_id,
                        "storeId": store_id,
                        "productName": "Blue shirt",
                        "storeName": "Threads",
                        "price": 19.99,
                        "quantity": 2,
                    },
                    {
                        "productId": beans.product_id,
                        "storeId": beans.store_id,
                        "productName": "Espresso beans 1 kg",
                        "storeName": "Corner Coffee",
                        "price": 18.5,
                        "quantity": 1,
                    },
                ],
                "total": 58.48,
                "status": "in-progress",
            }
        ],
        "next": "",
    }
    assert set(body["orders"][0]) == reference_fields("searchpbOrder")
    assert set(body["orders"][0]["items"][0]) == reference_fields("OrderItem")


@pytest.mark.parametrize("body", [None, {}, {"filters": None, "next": None, "limit": None}, {"filters": {}}])
def test_a_search_without_anything_finds_every_order(kiosk, body):
    # given
    orders = [SearchOrderFactory(created_at=T0 + timedelta(minutes=n)) for n in range(3)]
    # when
    response = search(kiosk, body)
    # then
    assert ids_of(response) == [o.order_id for o in reversed(orders)]
    assert response.json()["next"] == ""


def test_unknown_request_fields_are_ignored_as_the_original_did(kiosk):
    order = SearchOrderFactory()
    response = search(kiosk, {"filters": {"colour": "blue"}, "page": 3})
    assert ids_of(response) == [order.order_id]


# --- searchOrders: every filter over the wire -------------------------------------------------


@pytest.fixture
def mall() -> dict[str, Any]:
    """o1 (A, store S1, 10.00, pending, T0), o2 (A, S2, 25.00, approved, T0+1h),
    o3 (B, S1 and S2, 15.00, ready, T0+2h)."""
    a, b, s1, s2 = new_id(), new_id(), new_id(), new_id()
    o1 = SearchOrderFactory(customer_id=a, items=[line(store_id=s1, price="10.00")], created_at=T0)
    o2 = SearchOrderFactory(
        customer_id=a,
        items=[line(store_id=s2, price="25.00")],
        status=OrderStatus.APPROVED,
        created_at=T0 + timedelta(hours=1),
    )
    o3 = SearchOrderFactory(
        customer_id=b,
        items=[line(store_id=s1, price="5.00"), line(store_id=s2, price="10.00")],
        status=OrderStatus.READY,
        created_at=T0 + timedelta(hours=2),
    )
    return {
        "A": a,
        "B": b,
        "S1": s1,
        "S2": s2,
        "o1": o1.order_id,
        "o2": o2.order_id,
        "o3": o3.order_id,
        "P1": o1.items[0]["productId"],
        "P3": o3.items[1]["productId"],
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"customerId": "A"}, ["o2", "o1"]),
        ({"customerId": ""}, ["o3", "o2", "o1"]),
        ({"after": "2024-05-01T10:00:00Z"}, ["o3", "o2"]),
        ({"after": "2024-05-01T12:00:00+02:00"}, ["o3", "o2"]),
        ({"after": "2024-05-01T10:00:00.000000001Z"}, ["o3"]),
        ({"after": "2024-05-01T10:00:00.000000000Z"}, ["o3", "o2"]),
        ({"before": "2024-05-01T10:00:00.000000001Z"}, ["o2", "o1"]),
        ({"before": "2024-05-01T10:00:00.000000900+00:00"}, ["o2", "o1"]),
        ({"before": "2024-05-01T10:00:00Z"}, ["o1"]),
        ({"after": "2024-05-01T09:00:00Z", "before": "2024-05-01T11:00:00Z"}, ["o2", "o1"]),
        ({"after": None, "before": None}, ["o3", "o2", "o1"]),
        ({"storeIds": ["S1"]}, ["o3", "o1"]),
        ({"storeIds": ["S2", "S1"]}, ["o3", "o2", "o1"]),
        ({"storeIds": []}, ["o3", "o2", "o1"]),
        ({"productIds": ["P1", "P3"]}, ["o3", "o1"]),
        ({"minTotal": 15}, ["o3", "o2"]),
        ({"minTotal": 15.00, "maxTotal": 24.99}, ["o3"]),
        ({"maxTotal": 15}, ["o3", "o1"]),
        ({"minTotal": 0, "maxTotal": 0}, ["o3", "o2", "o1"]),
        ({"status": "approved"}, ["o2"]),
        ({"status": ""}, ["o3", "o2", "o1"]),
        ({"status": "completed"}, []),
        (
            {
                "customerId": "A",
                "after": "2024-05-01T09:00:00Z",
                "before": "2024-05-02T00:00:00Z",
                "storeIds": ["S2"],
                "productIds": [],
                "minTotal": 20,
                "maxTotal": 30,
                "status": "approved",
            },
            ["o2"],
        ),
    ],
)
def test_every_filter_of_the_reference_over_the_wire(kiosk, mall, filters, expected):
    # given the names in the filters stand for the mall's ids
    assert set(filters) <= reference_fields("SearchOrdersRequestFilters")

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [mall[v] for v in value]
        return mall.get(value, value) if isinstance(value, str) else value

    body = {"filters": {key: resolve(value) for key, value in filters.items()}}
    # when
    response = search(kiosk, body)
    # then
    assert ids_of(response) == [mall[name] for name in expected]


# --- searchOrders: pagination ---------------------------------------------------------------


def test_next_pages_through_45_orders_without_duplicates_or_gaps(kiosk):
    # given 45 orders, three per creation time
    orders = [SearchOrderFactory(created_at=T0 + timedelta(minutes=n // 3)) for n in range(45)]
    expected = [o.order_id for o in sorted(orders, key=lambda o: (o.created_at, o.order_id), reverse=True)]
    # when
    pages, token = [], ""
    while True:
        body = search(kiosk, {"next": token, "limit": 20}).json()
        pages.append([order["orderId"] for order in body["orders"]])
        token = body["next"]
        if not token:
            break
    # then
    assert [len(page) for page in pages] == [20, 20, 5]
    assert [order_id for page in pages for order_id in page] == expected


def test_limit_zero_or_absent_is_20(kiosk):
    for n in range(21):
        SearchOrderFactory(created_at=T0 + timedelta(minutes=n))
    assert len(ids_of(search(kiosk, {"limit": 0}))) == 20
    assert len(ids_of(search(kiosk, {}))) == 20
    assert len(ids_of(search(kiosk, {"limit": 100}))) == 21


def test_the_next_token_keeps_the_filters_of_the_following_request(kiosk):
    # given
    customer_id = new_id()
    mine = [
        SearchOrderFactory(customer_id=customer_id, created_at=T0 + timedelta(minutes=n)) for n in range(3)
    ]
    SearchOrderFactory(created_at=T0 - timedelta(minutes=1))
    first = search(kiosk, {"filters": {"customerId": customer_id}, "limit": 2}).json()
    # when
    second = search(kiosk, {"filters": {"customerId": customer_id}, "limit": 2, "next": first["next"]})
    # then
    assert [o["orderId"] for o in first["orders"]] == [mine[2].order_id, mine[1].order_id]
    assert ids_of(second) == [mine[0].order_id]
    assert second.json()["next"] == ""


def test_search_takes_the_same_number_of_queries_however_many_orders(kiosk, django_assert_max_num_queries):
    # given
    for n in range(45):
        SearchOrderFactory(created_at=T0 + timedelta(minutes=n), items=[line(), line(), line()])
    # when: the token with its user, the user's and the groups' permissions, the page
    with django_assert_max_num_queries(4):
        response = search(kiosk, {"limit": 100, "filters": {"minTotal": 1}})
    # then
    assert len(response.json()["orders"]) == 45


# --- searchOrders: bad input ------------------------------------------------------------------

RFC3339 = "must be an RFC 3339 date-time with a time zone offset, e.g. 2024-05-01T10:00:00Z"
STATUS_CHOICES = (
    "the status must be one of: pending, rejected, approved, in-progress, ready, completed, cancelled"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"next": "bogus!"},
            error(
                3,
                "the next cursor is not valid: pass the `next` of the previous page",
                [
                    {
                        "field": "next",
                        "description": "the next cursor is not valid: pass the `next` of the previous page",
                    }
                ],
            ),
        ),
        ({"limit": 101}, field_error("limit", "Ensure this value is less than or equal to 100.")),
        ({"limit": -1}, field_error("limit", "Ensure this value is greater than or equal to 0.")),
        ({"limit": "many"}, field_error("limit", "A valid integer is required.")),
        ({"filters": {"after": "yesterday"}}, field_error("filters.after", RFC3339)),
        ({"filters": {"before": "2024-05-01T10:00:00"}}, field_error("filters.before", RFC3339)),
        ({"filters": {"after": "2024-05-01"}}, field_error("filters.after", RFC3339)),
        ({"filters": {"after": 1714557600}}, field_error("filters.after", RFC3339)),
        (
            {"filters": {"after": "2024-05-01T10:00:00Z", "before": "2024-05-01T10:00:00Z"}},
            error(
                3,
                "after must be earlier than before",
                [{"field": "filters.after", "description": "after must be earlier than before"}],
            ),
        ),
        (
            {"filters": {"minTotal": -1}},
            error(
                3,
                "minTotal cannot be negative",
                [{"field": "filters.minTotal", "description": "minTotal cannot be negative"}],
            ),
        ),
        (
            {"filters": {"minTotal": 10, "maxTotal": 5}},
            error(
                3,
                "minTotal cannot be greater than maxTotal",
                [{"field": "filters.minTotal", "description": "minTotal cannot be greater than maxTotal"}],
            ),
        ),
        ({"filters": {"maxTotal": "lots"}}, field_error("filters.maxTotal", "A valid number is required.")),
        ({"filters": {"status": "New"}}, field_error("filters.status", STATUS_CHOICES)),
        (
            {"filters": {"storeIds": "466a4a9a-6d59-5294-87b2-a094cffaa0ee"}},
            field_error("filters.storeIds", 'Expected a list of items but got type "str".'),
        ),
        (
            {"filters": {"productIds": [{"id": 1}]}},
            field_error("filters.productIds[0]", "Must be a valid UUID."),
        ),
        (
            {"filters": {"productIds": [""]}},
            field_error("filters.productIds[0]", "Must be a valid UUID."),
        ),
        (
            {"filters": {"storeIds": ["9c8b7a65-4321-4fed-8cba-0123456789ab"] * 101}},
            field_error("filters.storeIds", "Ensure this field has no more than 100 elements."),
        ),
        (
            {"filters": "everything"},
            field_error("filters.non_field_errors", "Invalid data. Expected a dictionary, but got str."),
        ),
    ],
)
def test_bad_input_answers_400_with_a_clear_message_and_changes_nothing(kiosk, body, expected):
    # given
    SearchOrderFactory()
    before = rows()
    # when
    response = search(kiosk, body)
    # then
    assert (response.status_code, response.json()) == (400, expected)
    assert rows() == before


def test_a_body_that_is_not_json_answers_400(kiosk):
    response = kiosk.generic("POST", SEARCH, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == 3


# --- searchGetOrder -------------------------------------------------------------------------


def test_get_order_answers_the_reference_shape(kiosk):
    # given
    order = SearchOrderFactory(items=[line(price="2.25", quantity=4)], status=OrderStatus.READY)
    item = order.items[0]
    # when
    response = kiosk.get(f"{SEARCH}/{order.order_id}")
    # then
    assert response.status_code == 200
    assert set(response.json()) == reference_fields("searchpbGetOrderResponse")
    assert response.json() == {
        "order": {
            "orderId": order.order_id,
            "customerId": order.customer_id,
            "customerName": "",
            "items": [
                {
                    "productId": item["productId"],
                    "storeId": item["storeId"],
                    "productName": item["productName"],
                    "storeName": item["storeName"],
                    "price": 2.25,
                    "quantity": 4,
                }
            ],
            "total": 9.0,
            "status": "ready",
        }
    }


@pytest.mark.parametrize(
    ("order_id", "message"),
    [
        ("9c8b7a65-4321-4fed-8cba-0123456789ab", "the order was not found"),
        ("not-an-id", "not found"),
        ("x" * 300, "not found"),
    ],
)
def test_get_order_of_an_unknown_id_answers_404(kiosk, order_id, message):
    response = kiosk.get(f"{SEARCH}/{order_id}")
    assert (response.status_code, response.json()) == (404, error(5, message))


def test_get_order_takes_a_fixed_number_of_queries(kiosk, django_assert_max_num_queries):
    order = SearchOrderFactory(items=[line() for _ in range(20)])
    with django_assert_max_num_queries(4):
        response = kiosk.get(f"{SEARCH}/{order.order_id}")
    assert len(response.json()["order"]["items"]) == 20


# --- Authentication and permissions ---------------------------------------------------------

OPERATIONS = [("post", SEARCH), ("get", SEARCH + "/{id}")]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_anonymous_callers_answer_401(method, path):
    order = SearchOrderFactory()
    response = getattr(APIClient(), method)(path.format(id=order.order_id), format="json")
    assert response.status_code == 401
    assert response.json() == error(16, "Authentication credentials were not provided.")


@pytest.mark.parametrize("groups", [(), ("store-managers",), ("depot-operators",)])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_users_without_the_search_permission_answer_403(api_client_for, groups, method, path):
    order = SearchOrderFactory()
    response = getattr(api_client_for(*groups), method)(path.format(id=order.order_id), format="json")
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_administrators_may_search(api_client_for, method, path):
    order = SearchOrderFactory()
    response = getattr(api_client_for("administrators", staff=True), method)(
        path.format(id=order.order_id), format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", SEARCH), ("put", SEARCH), ("delete", SEARCH + "/9c8b7a65-4321-4fed-8cba-0123456789ab")],
)
def test_other_methods_answer_405(kiosk, method, path):
    assert getattr(kiosk, method)(path).status_code == 405


def test_the_kiosk_group_holds_exactly_the_view_permission():
    from django.contrib.auth.models import Group

    kiosk = Group.objects.get(name="kiosk")
    assert list(
        kiosk.permissions.filter(content_type__app_label="search").values_list("codename", flat=True)
    ) == ["view_searchorder"]

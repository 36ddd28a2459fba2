"""Hostile input over HTTP: numbers past what every table, read model and total can hold,
overlong texts, ids that are no UUIDs and values of the wrong JSON type answer 400 with the
field in `details`, before any event is stored (limits in mallbots.kernel.ddd.limits). Unknown
fields are ignored, and an unknown path under /api/ answers the JSON 404."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from apps.baskets.models import Basket
from mallbots.kernel.ddd import limits
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from tests.baskets.factories import BasketFactory, CachedProductFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def error(message: str, field: str, description: str | None = None) -> dict:
    return {
        "code": 3,
        "message": message,
        "details": [{"field": field, "description": description or message}],
    }


def invalid(field: str, description: str) -> dict:
    return error(f"{field}: {description}", field, description)


@pytest.fixture
def kiosk(api_client_for):
    return api_client_for("kiosk")


@pytest.fixture
def admin(api_client_for):
    return api_client_for("administrators", staff=True)


def stored(stream_id: str) -> list[str]:
    return list(
        Event.objects.filter(stream_id=stream_id).order_by("version").values_list("event_type", flat=True)
    )


def test_a_quantity_past_an_int32_or_the_line_limit_is_refused_before_any_event(kiosk):
    # given
    basket, product = BasketFactory(), CachedProductFactory()
    add = f"/api/baskets/{basket.id}/addItem"
    # when
    huge = kiosk.put(add, {"productId": product.id, "quantity": 2147483647}, format="json")
    full = kiosk.put(add, {"productId": product.id, "quantity": limits.QUANTITY_MAX}, format="json")
    one_more = kiosk.put(add, {"productId": product.id, "quantity": 1}, format="json")
    # then
    assert (huge.status_code, huge.json()) == (
        400,
        invalid("quantity", "Ensure this value is less than or equal to 10000."),
    )
    assert full.status_code == 200
    assert (one_more.status_code, one_more.json()) == (
        400,
        error("the item quantity cannot exceed 10000", "quantity"),
    )
    assert stored(basket.id) == ["baskets.BasketStarted", "baskets.BasketItemAdded"]
    assert Basket.objects.get(id=basket.id).items[0]["quantity"] == 10_000


def test_a_basket_whose_total_would_not_fit_an_order_or_invoice_is_refused(kiosk):
    # given a product at the highest price
    basket, product = BasketFactory(), CachedProductFactory(price=limits.MONEY_MAX)
    add = f"/api/baskets/{basket.id}/addItem"
    # when
    first = kiosk.put(add, {"productId": product.id, "quantity": 1}, format="json")
    second = kiosk.put(add, {"productId": product.id, "quantity": 1}, format="json")
    # then
    assert first.status_code == 200
    assert (second.status_code, second.json()) == (
        400,
        error("the basket total cannot exceed 9999999.99", "quantity"),
    )
    assert len(stored(basket.id)) == 2


def test_a_basket_holds_at_most_a_hundred_products(kiosk):
    # given a basket with 100 products
    products = [CachedProductFactory(price=Decimal("1.00")) for _ in range(limits.LINES_MAX + 1)]
    basket = BasketFactory(items=[(product, 1) for product in products[:-1]])
    # when
    response = kiosk.put(
        f"/api/baskets/{basket.id}/addItem", {"productId": products[-1].id, "quantity": 1}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (
        400,
        error("the basket cannot hold more than 100 products", "productId"),
    )
    assert len(stored(basket.id)) == 101


def test_ids_in_bodies_must_be_uuids(kiosk):
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    answers = [
        kiosk.post("/api/baskets", {"customerId": "bob"}, format="json"),
        kiosk.post("/api/baskets", {"customerId": 42}, format="json"),
        kiosk.put(f"/api/baskets/{basket.id}/checkout", {"paymentId": "pay-me"}, format="json"),
    ]
    # then
    uuid_error = "Must be a valid UUID."
    assert [(a.status_code, a.json()) for a in answers] == [
        (400, invalid("customerId", uuid_error)),
        (400, invalid("customerId", uuid_error)),
        (400, invalid("paymentId", uuid_error)),
    ]
    assert stored(basket.id) == ["baskets.BasketStarted", "baskets.BasketItemAdded"]
    assert Basket.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "body", "field", "description"),
    [
        (
            "/api/stores",
            {"name": "x" * 100_000, "location": "Level 1"},
            "name",
            "Ensure this field has no more than 200 characters.",
        ),
        ("/api/stores", {"name": "Nic & Naks", "location": 0}, "location", "Not a valid string."),
        (
            "/api/customers",
            {"name": "x" * 201, "smsNumber": "555-555-1212"},
            "name",
            "Ensure this field has no more than 200 characters.",
        ),
        ("/api/customers", {"name": "Ada", "smsNumber": 5555551212}, "smsNumber", "Not a valid string."),
        ("/api/depot/bots", {"name": 0}, "name", "Not a valid string."),
        (
            "/api/depot/bots",
            {"name": "R" * 201},
            "name",
            "Ensure this field has no more than 200 characters.",
        ),
        (
            "/api/payments",
            {"customerId": str(uuid.uuid4()), "amount": 10_000_000},
            "amount",
            "Ensure that there are no more than 7 digits before the decimal point.",
        ),
        (
            "/api/payments",
            {"customerId": str(uuid.uuid4()), "amount": "10"},
            "amount",
            "A valid number is required.",
        ),
    ],
    ids=[
        "store name",
        "store location number",
        "customer name",
        "sms number",
        "bot name number",
        "bot name",
        "amount",
        "amount string",
    ],
)
def test_texts_past_their_length_and_values_of_the_wrong_type_are_refused(
    admin, path, body, field, description
):
    # when
    response = admin.post(path, body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, invalid(field, description))
    assert not Event.objects.exists()
    assert not StreamMessage.objects.exists()


def test_unknown_fields_are_ignored_as_the_original_gateway_did(admin):
    # when
    response = admin.post(
        "/api/stores", {"name": "Nic & Naks", "location": "Level 1", "colour": "red"}, format="json"
    )
    # then
    assert response.status_code == 200
    assert stored(response.json()["id"]) == ["stores.StoreCreated"]


@pytest.mark.parametrize("path", ["/api/nope", "/api/stores/not-a-uuid", f"/api/baskets/{uuid.uuid4()}/nope"])
def test_an_unknown_path_under_the_api_answers_the_json_404(kiosk, path):
    # when
    response = kiosk.get(path)
    # then
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/json",
        {"code": 5, "message": "not found", "details": []},
    )


def test_an_order_past_the_limits_is_refused_through_the_api(admin):
    # given an item whose total would not fit the payments and search copies or the invoice
    item = {
        "storeId": str(uuid.uuid4()),
        "productId": str(uuid.uuid4()),
        "price": 9_999_999.99,
        "quantity": 2,
    }
    body = {"customerId": str(uuid.uuid4()), "paymentId": str(uuid.uuid4()), "items": [item]}
    # when
    response = admin.post("/api/ordering", body, format="json")
    # then
    message = "create order command: the order total cannot exceed 9999999.99"
    assert (response.status_code, response.json()) == (400, error(message, "items"))
    assert not Event.objects.exists()

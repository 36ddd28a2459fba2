"""The kiosk's pact with the API (consumer side): each interaction served by the Pact mock
server and exercised through tests/pact/kiosk.py, and the committed pact file checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.pact.kiosk import Kiosk, Line, Refused
from tests.pact.pacts import Pact, check_committed, from_state, match, serving

pytestmark = pytest.mark.contract

CONSUMER = "kiosk"
CUSTOMER = "0b7d3f4e-1c2a-4e5b-9f60-7a8b9c0d1e2f"
BASKET = "3e9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
PRODUCT = "5c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
PAYMENT = "7f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
STATUSES = "^(pending|rejected|approved|in-progress|ready|completed|cancelled)$"


def start_basket(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to start a basket")
        .given("a customer is registered")
        .with_request("POST", "/api/baskets")
        .with_body({"customerId": from_state("${customerId}", CUSTOMER)}, "application/json")
        .will_respond_with(200)
        .with_body({"id": match.uuid(BASKET)}, "application/json")
    )


def add_item(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to add a product to a basket")
        .given("a basket is open and a product is on sale")
        .with_request("PUT", from_state("/api/baskets/${basketId}/addItem", f"/api/baskets/{BASKET}/addItem"))
        .with_body(
            {"productId": from_state("${productId}", PRODUCT), "quantity": match.like(2)}, "application/json"
        )
        .will_respond_with(200)
        .with_body({}, "application/json")
    )


def add_no_quantity(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to add none of a product to a basket")
        .given("a basket is open and a product is on sale")
        .with_request("PUT", from_state("/api/baskets/${basketId}/addItem", f"/api/baskets/{BASKET}/addItem"))
        .with_body({"productId": from_state("${productId}", PRODUCT), "quantity": 0}, "application/json")
        .will_respond_with(400)
        .with_body({"message": match.like("the item quantity must be at least 1")}, "application/json")
    )


def checkout(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to check out a basket")
        .given("a basket holds a product and its customer authorized a payment")
        .with_request(
            "PUT", from_state("/api/baskets/${basketId}/checkout", f"/api/baskets/{BASKET}/checkout")
        )
        .with_body({"paymentId": from_state("${paymentId}", PAYMENT)}, "application/json")
        .will_respond_with(200)
        .with_body({}, "application/json")
    )


def checkout_empty(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to check out an empty basket")
        .given("a basket is empty and its customer authorized a payment")
        .with_request(
            "PUT", from_state("/api/baskets/${basketId}/checkout", f"/api/baskets/{BASKET}/checkout")
        )
        .with_body({"paymentId": from_state("${paymentId}", PAYMENT)}, "application/json")
        .will_respond_with(400)
        .with_body({"message": match.like("the basket has no items")}, "application/json")
    )


def read_order(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the order a checkout became")
        .given("an order is approved")
        .with_request("GET", from_state("/api/ordering/${orderId}", f"/api/ordering/{BASKET}"))
        .will_respond_with(200)
        .with_body(
            {
                "order": {
                    "id": match.uuid(BASKET),
                    "status": match.regex("approved", regex=STATUSES),
                    "total": match.like(19.98),
                    "items": match.each_like(
                        {
                            "productName": match.like("Pact Kettle"),
                            "quantity": match.like(2),
                            "price": match.like(9.99),
                        }
                    ),
                }
            },
            "application/json",
        )
    )


INTERACTIONS = [start_basket, add_item, add_no_quantity, checkout, checkout_empty, read_order]


def test_the_kiosk_starts_a_basket_for_the_customer():
    with serving(CONSUMER, start_basket) as url:
        assert Kiosk(url, "token").start_basket(CUSTOMER) == BASKET


def test_the_kiosk_adds_a_product_to_the_basket():
    with serving(CONSUMER, add_item) as url:
        assert Kiosk(url, "token").add_item(BASKET, PRODUCT, 2) is None


def test_the_kiosk_shows_why_a_product_was_not_added():
    with serving(CONSUMER, add_no_quantity) as url, pytest.raises(Refused) as refused:
        Kiosk(url, "token").add_item(BASKET, PRODUCT, 0)
    assert str(refused.value) == "the item quantity must be at least 1"


def test_the_kiosk_checks_the_basket_out_with_the_payment():
    with serving(CONSUMER, checkout) as url:
        assert Kiosk(url, "token").checkout(BASKET, PAYMENT) is None


def test_the_kiosk_shows_why_a_checkout_was_refused():
    with serving(CONSUMER, checkout_empty) as url, pytest.raises(Refused) as refused:
        Kiosk(url, "token").checkout(BASKET, PAYMENT)
    assert str(refused.value) == "the basket has no items"


def test_the_kiosk_shows_the_order_its_status_total_and_lines():
    with serving(CONSUMER, read_order) as url:
        order = Kiosk(url, "token").order(BASKET)
    assert (order.id, order.status, order.total) == (BASKET, "approved", Decimal("19.98"))
    assert order.lines == (Line("Pact Kettle", 2, Decimal("9.99")),)


def test_the_committed_kiosk_pact_is_what_these_interactions_declare(tmp_path):
    check_committed(CONSUMER, INTERACTIONS, tmp_path)

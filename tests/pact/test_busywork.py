"""Busywork's pact with the API (consumer side): every call its simulated customers and bot
operator make (mallbots/tools/simulator/busywork/api.py), served by the Pact mock server and
made through busywork's own MallApi, with the fields busywork reads; and the committed pact
file checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mallbots.tools.simulator.busywork.api import ApiError, MallApi
from tests.pact.pacts import Pact, check_committed, from_state, match, serving

pytestmark = pytest.mark.contract

CONSUMER = "busywork"
STORE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
PRODUCT = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
CUSTOMER = "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"
PAYMENT = "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a"
ORDER = "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a9b"  # a basket's id, which its order takes
SHOPPING_LIST = "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b0c"
BOT = "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d"
JSON = "application/json"


def participating_stores(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the participating stores")
        .given("a participating store sells a product")
        .with_request("GET", "/api/stores/participating")
        .will_respond_with(200)
        .with_body({"stores": match.each_like({"id": match.uuid(STORE)})}, JSON)
    )


def catalog(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the products of a store")
        .given("a participating store sells a product")
        .with_request("GET", from_state("/api/stores/${storeId}/products", f"/api/stores/{STORE}/products"))
        .will_respond_with(200)
        .with_body(
            {"products": match.each_like({"id": match.uuid(PRODUCT), "price": match.like(9.99)})}, JSON
        )
    )


def authorize_payment(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to authorize a payment")
        .given("a customer is registered")
        .with_request("POST", "/api/payments")
        .with_body({"customerId": from_state("${customerId}", CUSTOMER), "amount": match.like(19.98)}, JSON)
        .will_respond_with(200)
        .with_body({"id": match.uuid(PAYMENT)}, JSON)
    )


def start_basket(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to start a basket")
        .given("a customer is registered")
        .with_request("POST", "/api/baskets")
        .with_body({"customerId": from_state("${customerId}", CUSTOMER)}, JSON)
        .will_respond_with(200)
        .with_body({"id": match.uuid(ORDER)}, JSON)
    )


def add_item(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to add a product to a basket")
        .given("a basket is open and a product is on sale")
        .with_request("PUT", from_state("/api/baskets/${basketId}/addItem", f"/api/baskets/{ORDER}/addItem"))
        .with_body({"productId": from_state("${productId}", PRODUCT), "quantity": match.like(3)}, JSON)
        .will_respond_with(200)
        .with_body({}, JSON)
    )


def checkout(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to check out a basket")
        .given("a basket holds a product and its customer authorized a payment")
        .with_request(
            "PUT", from_state("/api/baskets/${basketId}/checkout", f"/api/baskets/{ORDER}/checkout")
        )
        .with_body({"paymentId": from_state("${paymentId}", PAYMENT)}, JSON)
        .will_respond_with(200)
        .with_body({}, JSON)
    )


def order_not_created_yet(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for an order the saga has not created yet")
        .given("a basket was checked out a moment ago")
        .with_request("GET", from_state("/api/ordering/${orderId}", f"/api/ordering/{ORDER}"))
        .will_respond_with(404)
    )


def order(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for an order")
        .given("an order is approved")
        .with_request("GET", from_state("/api/ordering/${orderId}", f"/api/ordering/{ORDER}"))
        .will_respond_with(200)
        .with_body(
            {
                "order": {
                    "status": match.regex(
                        "approved",
                        regex="^(pending|rejected|approved|in-progress|ready|completed|cancelled)$",
                    )
                }
            },
            JSON,
        )
    )


def cancel_order(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to cancel an order")
        .given("an order is approved")
        .with_request("DELETE", from_state("/api/ordering/${orderId}", f"/api/ordering/{ORDER}"))
        .will_respond_with(200)
        .with_body({}, JSON)
    )


def shopping_lists_of_order(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the shopping lists of an order")
        .given("an order is approved")
        .with_request("GET", "/api/depot/shopping")
        .with_query_parameter("orderId", from_state("${orderId}", ORDER))
        .will_respond_with(200)
        .with_body(
            {
                "shoppingLists": match.each_like(
                    {
                        "id": match.uuid(SHOPPING_LIST),
                        "status": match.regex(
                            "available", regex="^(pending|available|assigned|active|completed|canceled)$"
                        ),
                        "assignedBotId": match.like(""),
                    }
                )
            },
            JSON,
        )
    )


def bots(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the bots")
        .given("a bot is idle")
        .with_request("GET", "/api/depot/bots")
        .will_respond_with(200)
        .with_body(
            {
                "bots": match.each_like(
                    {"id": match.uuid(BOT), "status": match.regex("idle", regex="^(idle|active)$")}
                )
            },
            JSON,
        )
    )


def assign(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to assign a shopping list to a bot")
        .given("an order's shopping list is available and a bot is idle")
        .with_request(
            "PUT",
            from_state(
                "/api/depot/shopping/${shoppingListId}/assign", f"/api/depot/shopping/{SHOPPING_LIST}/assign"
            ),
        )
        .with_body({"botId": from_state("${botId}", BOT)}, JSON)
        .will_respond_with(200)
        .with_body({}, JSON)
    )


def assign_to_a_busy_bot(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to assign a shopping list to a bot that is shopping already")
        .given("an order's shopping list is available and a bot is shopping for another order")
        .with_request(
            "PUT",
            from_state(
                "/api/depot/shopping/${shoppingListId}/assign", f"/api/depot/shopping/{SHOPPING_LIST}/assign"
            ),
        )
        .with_body({"botId": from_state("${botId}", BOT)}, JSON)
        .will_respond_with(400)
        .with_body({"message": match.like("the bot is not idle")}, JSON)
    )


def complete(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to complete a shopping list")
        .given("a bot is shopping for an order")
        .with_request(
            "PUT",
            from_state(
                "/api/depot/shopping/${shoppingListId}/complete",
                f"/api/depot/shopping/{SHOPPING_LIST}/complete",
            ),
        )
        .with_body({}, JSON)
        .will_respond_with(200)
        .with_body({}, JSON)
    )


def invoice_not_raised_yet(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the invoice of an order that is not ready")
        .given("an order is approved")
        .with_request(
            "GET", from_state("/api/payments/invoices/${orderId}", f"/api/payments/invoices/{ORDER}")
        )
        .will_respond_with(404)
    )


def invoice(pact: Pact) -> None:
    # Busywork only asks whether the invoice exists yet: it reads no field of it.
    (
        pact.upon_receiving("a request for the invoice of a ready order")
        .given("an order is ready and its invoice is raised")
        .with_request(
            "GET", from_state("/api/payments/invoices/${orderId}", f"/api/payments/invoices/{ORDER}")
        )
        .will_respond_with(200)
        .with_body({"invoice": match.like({})}, JSON)
    )


def pay_invoice(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to pay the invoice of a ready order")
        .given("an order is ready and its invoice is raised")
        .with_request(
            "PUT", from_state("/api/payments/invoices/${orderId}/pay", f"/api/payments/invoices/{ORDER}/pay")
        )
        .with_body({}, JSON)
        .will_respond_with(200)
        .with_body({}, JSON)
    )


INTERACTIONS = [
    participating_stores,
    catalog,
    authorize_payment,
    start_basket,
    add_item,
    checkout,
    order_not_created_yet,
    order,
    cancel_order,
    shopping_lists_of_order,
    bots,
    assign,
    assign_to_a_busy_bot,
    complete,
    invoice_not_raised_yet,
    invoice,
    pay_invoice,
]


def api(url: str) -> MallApi:
    return MallApi(url, "token")


# --- a simulated customer ---------------------------------------------------------------------


def test_a_customer_browses_the_participating_stores():
    with serving(CONSUMER, participating_stores) as url:
        assert [store["id"] for store in api(url).participating_stores()] == [STORE]


def test_a_customer_reads_a_stores_products_with_their_prices():
    with serving(CONSUMER, catalog) as url:
        products = api(url).catalog(STORE)
    assert [(product["id"], product["price"]) for product in products] == [(PRODUCT, Decimal("9.99"))]


def test_a_customer_authorizes_a_payment_of_the_baskets_total():
    with serving(CONSUMER, authorize_payment) as url:
        assert api(url).payment_authorize(CUSTOMER, Decimal("19.98")) == PAYMENT


def test_a_customer_starts_a_basket():
    with serving(CONSUMER, start_basket) as url:
        assert api(url).basket_start(CUSTOMER) == ORDER


def test_a_customer_adds_a_product_to_the_basket():
    with serving(CONSUMER, add_item) as url:
        assert api(url).basket_add_item(ORDER, PRODUCT, 3) is None


def test_a_customer_checks_the_basket_out():
    with serving(CONSUMER, checkout) as url:
        assert api(url).basket_checkout(ORDER, PAYMENT) is None


def test_an_order_not_created_yet_is_none_to_the_polling_customer():
    with serving(CONSUMER, order_not_created_yet) as url:
        assert api(url).order(ORDER) is None


def test_the_polling_customer_reads_the_orders_status():
    with serving(CONSUMER, order) as url:
        assert api(url).order(ORDER) == {"status": "approved"}


def test_a_customer_cancels_an_approved_order():
    with serving(CONSUMER, cancel_order) as url:
        assert api(url).order_cancel(ORDER) is None


def test_an_invoice_not_raised_yet_is_none_to_the_waiting_customer():
    with serving(CONSUMER, invoice_not_raised_yet) as url:
        assert api(url).invoice(ORDER) is None


def test_the_waiting_customer_sees_the_invoice_once_it_is_raised():
    with serving(CONSUMER, invoice) as url:
        assert api(url).invoice(ORDER) == {}


def test_a_customer_pays_the_invoice():
    with serving(CONSUMER, pay_invoice) as url:
        assert api(url).invoice_pay(ORDER) is None


# --- the bot operator -------------------------------------------------------------------------


def test_the_bot_operator_finds_the_available_list_of_an_approved_order():
    with serving(CONSUMER, shopping_lists_of_order) as url:
        lists = api(url).shopping_lists_of_order(ORDER)
    assert [(each["id"], each["status"], each["assignedBotId"]) for each in lists] == [
        (SHOPPING_LIST, "available", "")
    ]


def test_the_bot_operator_looks_for_idle_bots():
    with serving(CONSUMER, bots) as url:
        assert [(bot["id"], bot["status"]) for bot in api(url).bots()] == [(BOT, "idle")]


def test_the_bot_operator_assigns_a_list_to_an_idle_bot():
    with serving(CONSUMER, assign) as url:
        assert api(url).shopping_list_assign(SHOPPING_LIST, BOT) is None


def test_a_refused_assignment_is_an_error_with_the_apis_message():
    with serving(CONSUMER, assign_to_a_busy_bot) as url, pytest.raises(ApiError) as error:
        api(url).shopping_list_assign(SHOPPING_LIST, BOT)
    assert str(error.value) == "PUT /api/depot/shopping/{id}/assign: HTTP 400 the bot is not idle"
    assert not error.value.transient


def test_the_bot_operator_completes_the_list_once_the_bot_is_back():
    with serving(CONSUMER, complete) as url:
        assert api(url).shopping_list_complete(SHOPPING_LIST) is None


def test_the_committed_busywork_pact_is_what_these_interactions_declare(tmp_path):
    check_committed(CONSUMER, INTERACTIONS, tmp_path)

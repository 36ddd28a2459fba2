from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.conftest import wait_until
from tests.e2e.conftest import World
from tests.saga.helpers import saga_ran

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

scenarios("features")


def ok(response):
    assert response.status_code == 200, response.text
    return response.json()


# --- who is calling -------------------------------------------------------------------------


@given("I am a store manager")
def store_manager(world: World):
    world.client("store-managers")


@given("I am a kiosk")
def kiosk(world: World):
    world.client("kiosk")


# --- stores -----------------------------------------------------------------------------------


@given(parsers.parse('there is no store called "{name}"'))
def no_store(world: World, name: str):
    stores = ok(world.client("store-managers").call("GET", "stores"))["stores"]
    assert name not in [s["name"] for s in stores]


@given(parsers.parse('the store "{name}" exists'))
def store_exists(world: World, name: str):
    world.ids[name] = ok(
        world.client("store-managers").call("POST", "stores", {"name": name, "location": "Level 1"})
    )["id"]


@when(parsers.re(r'I create the store "(?P<name>[^"]*)" at "(?P<location>[^"]*)"'))
def create_store(world: World, name: str, location: str):
    world.last = world.client("store-managers").call("POST", "stores", {"name": name, "location": location})


@then(parsers.parse('the store "{name}" is listed'))
def store_listed(world: World, name: str):
    store_id = ok(world.last)["id"]
    stores = ok(world.client("store-managers").call("GET", "stores"))["stores"]
    assert {"id": store_id, "name": name, "location": "Level 2, east wing", "participating": False} in stores


@when(parsers.parse('I add the product "{product}" priced {price} to "{store}"'))
def add_product(world: World, product: str, price: str, store: str):
    body = {"name": product, "description": "", "sku": product.lower(), "price": float(price)}
    world.last = world.client("store-managers").call("POST", f"stores/{world.ids[store]}/products", body)
    world.ids[product] = ok(world.last)["id"]


@then(parsers.parse('the catalog of "{store}" lists "{product}" at {price}'))
def catalog_lists(world: World, store: str, product: str, price: str):
    products = ok(world.client("store-managers").call("GET", f"stores/{world.ids[store]}/products"))[
        "products"
    ]
    assert [(p["name"], Decimal(str(p["price"]))) for p in products] == [(product, Decimal(price))]


@given(parsers.parse('the store "{store}" sells "{product}" at {price}'))
def store_sells(world: World, store: str, product: str, price: str):
    store_exists(world, store)
    add_product(world, product, price, store)


# --- customers ----------------------------------------------------------------------------------


@when(parsers.re(r'I register the customer "(?P<name>[^"]*)" with SMS number "(?P<sms>[^"]*)"'))
def register_customer(world: World, name: str, sms: str):
    world.last = world.client("kiosk").call("POST", "customers", {"name": name, "smsNumber": sms})


@then(parsers.parse('the customer "{name}" can be found, enabled'))
def customer_found(world: World, name: str):
    customer_id = ok(world.last)["id"]
    customer = ok(world.client("kiosk").call("GET", f"customers/{customer_id}"))["customer"]
    assert customer == {"id": customer_id, "name": name, "smsNumber": "555-555-1212", "enabled": True}


@given(parsers.parse('the customer "{name}" is registered'))
def customer_registered(world: World, name: str):
    world.ids[name] = ok(
        world.client("kiosk").call("POST", "customers", {"name": name, "smsNumber": "+1 555 0100"})
    )["id"]


# --- baskets ------------------------------------------------------------------------------------


@given(parsers.parse('"{customer}" has started a basket'))
def basket_started(world: World, customer: str):
    world.basket_id = ok(world.client("kiosk").call("POST", "baskets", {"customerId": world.ids[customer]}))[
        "id"
    ]


@given(parsers.parse('"{customer}" adds {quantity:d} "{product}" to the basket'))
@when(parsers.parse('"{customer}" adds {quantity:d} "{product}" to the basket'))
def add_item(world: World, customer: str, quantity: int, product: str):
    body = {"productId": world.ids[product], "quantity": quantity}
    world.last = world.client("kiosk").call("PUT", f"baskets/{world.basket_id}/addItem", body)
    ok(world.last)


@when(parsers.parse('"{customer}" adds {quantity:d} of an unknown product to the basket'))
def add_unknown(world: World, customer: str, quantity: int):
    body = {"productId": "7b4f1d8e-0000-4000-8000-000000000000", "quantity": quantity}
    world.last = world.client("kiosk").call("PUT", f"baskets/{world.basket_id}/addItem", body)


@when(parsers.parse('"{customer}" removes {quantity:d} "{product}" from the basket'))
def remove_item(world: World, customer: str, quantity: int, product: str):
    body = {"productId": world.ids[product], "quantity": quantity}
    ok(world.client("kiosk").call("PUT", f"baskets/{world.basket_id}/removeItem", body))


@then(parsers.parse('the basket holds {quantity:d} "{product}" at {price} from "{store}"'))
def basket_holds(world: World, quantity: int, product: str, price: str, store: str):
    basket = ok(world.client("kiosk").call("GET", f"baskets/{world.basket_id}"))["basket"]
    assert [
        (i["productName"], i["quantity"], Decimal(str(i["productPrice"])), i["storeName"])
        for i in basket["items"]
    ] == [(product, quantity, Decimal(price), store)]


@when(parsers.parse('"{customer}" checks out the basket paying with "{payment}"'))
def checkout(world: World, customer: str, payment: str):
    payment_id = world.ids.setdefault(payment, str(uuid.uuid4()))  # a payment nobody authorized
    world.last = world.client("kiosk").call(
        "PUT", f"baskets/{world.basket_id}/checkout", {"paymentId": payment_id}
    )


@then(parsers.parse('the basket is "{status}"'))
def basket_status(world: World, status: str):
    ok(world.last)
    assert ok(world.client("kiosk").call("GET", f"baskets/{world.basket_id}"))["basket"]["status"] == status


@then(parsers.parse("the basket totals {total} across {stores:d} stores"))
def basket_totals(world: World, total: str, stores: int):
    items = ok(world.client("kiosk").call("GET", f"baskets/{world.basket_id}"))["basket"]["items"]
    assert sum(Decimal(str(i["productPrice"])) * i["quantity"] for i in items) == Decimal(total)
    assert len({i["storeId"] for i in items}) == stores


@when(parsers.parse('"{customer}" cancels the basket'))
def cancel_basket(world: World, customer: str):
    ok(world.client("kiosk").call("DELETE", f"baskets/{world.basket_id}"))


@when(parsers.parse('"{customer}" tries to add {quantity:d} "{product}" to the basket'))
def try_add_item(world: World, customer: str, quantity: int, product: str):
    body = {"productId": world.ids[product], "quantity": quantity}
    world.last = world.client("kiosk").call("PUT", f"baskets/{world.basket_id}/addItem", body)


# --- orders -------------------------------------------------------------------------------------

ALL_QUEUES = "stores,customers,baskets,ordering,payments,depot,notifications,search,messaging"


@given("the mall's workers are running")
def workers(start_worker):
    start_worker(queues=ALL_QUEUES, concurrency=2, beat=True)


@given(parsers.parse('"{customer}" has authorized a payment of {amount}'))
def authorized_payment(world: World, customer: str, amount: str):
    body = {"customerId": world.ids[customer], "amount": float(amount)}
    world.ids["payment"] = ok(world.client("kiosk").call("POST", "payments", body))["id"]


@given(parsers.parse('"{customer}" has checked out the basket with her payment'))
@when(parsers.parse('"{customer}" checks out the basket with her payment'))
def checkout_with_payment(world: World, customer: str):
    body = {"paymentId": world.ids["payment"]}
    ok(world.client("kiosk").call("PUT", f"baskets/{world.basket_id}/checkout", body))


def order(world: World) -> dict | None:
    response = world.client("kiosk").call("GET", f"ordering/{world.basket_id}")
    return response.json()["order"] if response.status_code == 200 else None


@given(parsers.re(r'the order is "(?P<status>[^"]+)"$'))
@then(parsers.re(r'the order is "(?P<status>[^"]+)"$'))
def order_status(world: World, status: str):
    wait_until(lambda: (order(world) or {}).get("status") == status, timeout=30)


@then(parsers.parse('the order is "{status}" because "{reason}"'))
def order_rejected(world: World, status: str, reason: str):
    order_status(world, status)
    from apps.ordering.selectors import order_get

    assert order_get(order_id=world.basket_id).rejection_reason == reason


@then("the order's saga ran the way the mall runs sagas")
def saga_mode_used(world: World):
    from django.conf import settings

    saga_ran(settings.MALLBOTS_SAGA, world.basket_id, "completed")


def shopping_list(world: World) -> dict:
    lists = ok(world.client("depot-operators").call("GET", f"depot/shopping?orderId={world.basket_id}"))
    (found,) = lists["shoppingLists"]
    return found


@then(parsers.parse('the order\'s shopping list is "{status}"'))
def list_status(world: World, status: str):
    wait_until(lambda: shopping_list(world)["status"] == status, timeout=30)


@given(parsers.parse('the depot has an idle bot "{name}"'))
def idle_bot(world: World, name: str):
    world.ids[name] = ok(world.client("depot-operators").call("POST", "depot/bots", {"name": name}))["id"]


@when(parsers.parse('the depot assigns the order\'s shopping list to "{bot}"'))
def assign(world: World, bot: str):
    body = {"botId": world.ids[bot]}
    ok(
        world.client("depot-operators").call(
            "PUT", f"depot/shopping/{shopping_list(world)['id']}/assign", body
        )
    )


@when("the depot completes the order's shopping list")
def complete(world: World):
    ok(
        world.client("depot-operators").call(
            "PUT", f"depot/shopping/{shopping_list(world)['id']}/complete", {}
        )
    )


@then(parsers.parse("an invoice of {amount} is pending for the order"))
def invoice_pending(world: World, amount: str):
    def invoice() -> dict | None:
        response = world.client("kiosk").call("GET", f"payments/invoices/{world.basket_id}")
        return response.json()["invoice"] if response.status_code == 200 else None

    wait_until(lambda: invoice() is not None, timeout=30)
    found = invoice()
    assert (found["status"], Decimal(str(found["amount"])), found["orderId"]) == (
        "pending",
        Decimal(amount),
        world.basket_id,
    )


@when(parsers.parse('"{customer}" pays the invoice'))
def pay(world: World, customer: str):
    ok(world.client("kiosk").call("PUT", f"payments/invoices/{world.basket_id}/pay", {}))


@when(parsers.parse('"{customer}" cancels the order'))
def cancel_order(world: World, customer: str):
    ok(world.client("kiosk").call("DELETE", f"ordering/{world.basket_id}"))


# --- errors -------------------------------------------------------------------------------------


@then(parsers.parse('the request fails with {status:d} "{message}"'))
def request_fails(world: World, status: int, message: str):
    assert world.last is not None
    assert world.last.status_code == status, world.last.text
    assert world.last.json()["message"] == message

"""The provider states the committed pacts name, set up through the contexts' services as the
API, the admin or a handler would run them, with the messages they cause handled in this
process (tests/kernel/admin/mall.py's `pump`, as a worker would): an approved order is a real
checkout whose saga ran. Each state answers the values that the interaction's request takes
from it (`${orderId}`, ...): ids the services chose."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

from apps.baskets import services as baskets
from apps.customers import services as customers
from apps.depot import services as depot
from apps.depot.models import ShoppingList
from apps.payments import services as payments
from apps.stores import services as stores
from tests.kernel.admin.mall import pump

Values = dict[str, str]
_numbers = itertools.count(1)


def _store_with_a_product() -> Values:
    number = next(_numbers)
    store_id = stores.store_create(name=f"Pact Store {number}", location="Level 1")
    stores.store_enable_participation(store_id=store_id)
    product_id = stores.product_add(
        store_id=store_id, name="Pact Kettle", description="", sku=f"pact-{number}", price=Decimal("9.99")
    )
    pump()  # the baskets' and the depot's caches learn of them
    return {"storeId": store_id, "productId": product_id}


def _customer() -> Values:
    customer_id = customers.customer_register(name="Pact Customer", sms_number="555-010-0100")
    pump()
    return {"customerId": customer_id}


def _basket(*, quantity: int = 2) -> Values:
    """An open basket holding `quantity` of a product on sale (none when 0), and a payment of
    its customer big enough for it."""
    values = {**_customer(), **_store_with_a_product()}
    values["basketId"] = baskets.basket_start(customer_id=values["customerId"])
    if quantity:
        baskets.basket_add_item(
            basket_id=values["basketId"], product_id=values["productId"], quantity=quantity
        )
    values["paymentId"] = payments.payment_authorize(customer_id=values["customerId"], amount=Decimal("100"))
    return values


def _checked_out() -> Values:
    values = _basket()
    baskets.basket_checkout(basket_id=values["basketId"], payment_id=values["paymentId"])
    return {**values, "orderId": values["basketId"]}  # the order takes the basket's id


def _approved_order() -> Values:
    values = _checked_out()
    pump()  # the create-order saga, every step
    shopping_list = ShoppingList.objects.get(order_id=values["orderId"])
    assert shopping_list.status == ShoppingList.Status.AVAILABLE, shopping_list.status
    return {**values, "shoppingListId": str(shopping_list.id)}


def _idle_bot() -> Values:
    return {"botId": depot.bot_create(name=f"Pact Bot {next(_numbers)}")}


def _shopping() -> Values:
    values = {**_approved_order(), **_idle_bot()}
    depot.shopping_list_assign(shopping_list_id=values["shoppingListId"], bot_id=values["botId"])
    pump()
    return values


def _busy_bot_and_an_available_list() -> Values:
    return {**_shopping(), "shoppingListId": _approved_order()["shoppingListId"]}


def _ready_with_invoice() -> Values:
    values = _shopping()
    depot.shopping_list_complete(shopping_list_id=values["shoppingListId"])
    pump()  # the order is ready, payments raises its invoice
    return values


STATES: dict[str, Callable[[], Values]] = {
    "a participating store sells a product": _store_with_a_product,
    "a customer is registered": _customer,
    "a basket is open and a product is on sale": _basket,
    "a basket holds a product and its customer authorized a payment": _basket,
    "a basket is empty and its customer authorized a payment": lambda: _basket(quantity=0),
    "a basket was checked out a moment ago": _checked_out,
    "an order is approved": _approved_order,
    "a bot is idle": _idle_bot,
    "an order's shopping list is available and a bot is idle": lambda: {**_approved_order(), **_idle_bot()},
    "an order's shopping list is available and a bot is shopping for another order": (
        _busy_bot_and_an_available_list
    ),
    "a bot is shopping for an order": _shopping,
    "an order is ready and its invoice is raised": _ready_with_invoice,
}

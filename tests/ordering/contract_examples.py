"""One example of every integration event the ordering context publishes and of every command
its CreateOrderSaga sends, checked against what every consumer reads (tests/test_contracts.py)."""

from decimal import Decimal

from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.ordering import contracts
from apps.payments import contracts as payments

ORDER_ID = "9d0c1f3e-52a4-4c55-8f0e-6a0b1c2d3e4f"
CUSTOMER_ID = "2b1d8a51-0f3c-4a8e-9a3e-5a4f0e6d7c21"
PAYMENT_ID = "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e"
SHOPPING_ID = "6e5d4c3b-2a19-4f08-8e7d-6c5b4a392817"

EXAMPLES = [
    contracts.OrderCreated(
        id=ORDER_ID,
        customer_id=CUSTOMER_ID,
        payment_id=PAYMENT_ID,
        shopping_id="",
        total=Decimal("88.48"),
        items=(
            contracts.OrderItem(
                product_id="c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
                store_id="5b0f3c7e-2a44-4d0e-9b1f-6f1f0c2b7a10",
                product_name="The Go Programming Language",
                store_name="Waldorf Books",
                price=Decimal("34.99"),
                quantity=2,
            ),
            contracts.OrderItem(
                product_id="1e2d3c4b-5a69-4788-b6a5-c4d3e2f1a0b9",
                store_id="8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
                product_name="Espresso beans 1 kg",
                store_name="Corner Coffee",
                price=Decimal("18.50"),
                quantity=1,
            ),
        ),
        saga="orchestration",
    ),
    contracts.OrderApproved(
        id=ORDER_ID, customer_id=CUSTOMER_ID, payment_id=PAYMENT_ID, shopping_id=SHOPPING_ID
    ),
    contracts.OrderRejected(
        id=ORDER_ID, customer_id=CUSTOMER_ID, payment_id=PAYMENT_ID, reason="customer is not authorized"
    ),
    contracts.OrderInProgress(
        id=ORDER_ID,
        customer_id=CUSTOMER_ID,
        shopping_id=SHOPPING_ID,
        bot_id="7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918",
    ),
    contracts.OrderReadied(
        id=ORDER_ID, customer_id=CUSTOMER_ID, payment_id=PAYMENT_ID, total=Decimal("88.48")
    ),
    contracts.OrderCanceled(
        id=ORDER_ID, customer_id=CUSTOMER_ID, payment_id=PAYMENT_ID, shopping_id=SHOPPING_ID
    ),
    contracts.OrderCompleted(id=ORDER_ID, customer_id=CUSTOMER_ID, invoice_id=ORDER_ID),
    # The commands of the orchestrated create-order saga (apps/ordering/saga.py).
    customers.AuthorizeCustomer(customer_id=CUSTOMER_ID, order_id=ORDER_ID),
    depot.CreateShoppingList(
        order_id=ORDER_ID,
        items=(
            depot.ShoppingItem(
                product_id="c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
                store_id="5b0f3c7e-2a44-4d0e-9b1f-6f1f0c2b7a10",
                product_name="The Go Programming Language",
                quantity=2,
            ),
        ),
    ),
    depot.CancelShoppingList(order_id=ORDER_ID),
    depot.InitiateShopping(order_id=ORDER_ID),
    payments.ConfirmPayment(
        order_id=ORDER_ID, customer_id=CUSTOMER_ID, payment_id=PAYMENT_ID, amount=Decimal("88.48")
    ),
    payments.ReleasePayment(order_id=ORDER_ID),
]

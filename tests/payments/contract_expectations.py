"""The fields of other contexts' events and of the commands that the payments handlers read
(handlers.py); their producers' examples must keep satisfying them (tests/test_contracts.py)."""

CONSUMER = "payments"

EXPECTATIONS = {
    "customersapi.CustomerRegistered": {"id": "string", "name": "string"},
    "ordersapi.OrderCreated": {
        "id": "string",
        "customer_id": "string",
        "payment_id": "string",
        "total": "decimal",
        "saga": "string",
    },
    "depotapi.ShoppingListCreated": {"order_id": "string"},
    "ordersapi.OrderReadied": {"id": "string", "total": "decimal"},
    "ordersapi.OrderRejected": {"id": "string"},
    "ordersapi.OrderCanceled": {"id": "string"},
    "paymentsapi.ConfirmPayment": {
        "order_id": "string",
        "customer_id": "string",
        "payment_id": "string",
        "amount": "decimal",
    },
    "paymentsapi.ReleasePayment": {"order_id": "string"},
}

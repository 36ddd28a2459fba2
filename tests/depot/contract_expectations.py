"""The fields of other contexts' events and of the commands that the depot handlers read
(handlers.py); the producers' examples must keep satisfying them (tests/test_contracts.py)."""

CONSUMER = "depot"

EXPECTATIONS = {
    "ordersapi.OrderCreated": {
        "id": "string",
        "items[].product_id": "string",
        "items[].store_id": "string",
        "items[].product_name": "string",
        "items[].quantity": "integer",
        "saga": "string",
    },
    "customersapi.CustomerAuthorized": {"order_id": "string"},
    "paymentsapi.PaymentConfirmed": {"order_id": "string"},
    "ordersapi.OrderRejected": {"id": "string"},
    "ordersapi.OrderCanceled": {"id": "string"},
    "storesapi.StoreCreated": {"id": "string", "name": "string", "location": "string"},
    "storesapi.StoreRebranded": {"id": "string", "name": "string"},
    "storesapi.ProductAdded": {"id": "string", "store_id": "string", "name": "string"},
    "storesapi.ProductRebranded": {"id": "string", "name": "string"},
    "storesapi.ProductRemoved": {"id": "string"},
    "depotapi.CreateShoppingListCommand": {
        "order_id": "string",
        "items[].product_id": "string",
        "items[].store_id": "string",
        "items[].product_name": "string",
        "items[].quantity": "integer",
    },
    "depotapi.CancelShoppingListCommand": {"order_id": "string"},
    "depotapi.InitiateShoppingCommand": {"order_id": "string"},
}

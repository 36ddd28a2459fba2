"""The fields of the ordering and customers contexts' events that the search handlers read
(apps/search/handlers.py); the producers' examples must keep satisfying them
(tests/test_contracts.py)."""

CONSUMER = "search"

EXPECTATIONS = {
    "ordersapi.OrderCreated": {
        "id": "string",
        "customer_id": "string",
        "total": "decimal",
        "items[].product_id": "string",
        "items[].store_id": "string",
        "items[].product_name": "string",
        "items[].store_name": "string",
        "items[].price": "decimal",
        "items[].quantity": "integer",
    },
    "ordersapi.OrderApproved": {"id": "string"},
    "ordersapi.OrderRejected": {"id": "string"},
    "ordersapi.OrderInProgress": {"id": "string"},
    "ordersapi.OrderReadied": {"id": "string"},
    "ordersapi.OrderCanceled": {"id": "string"},
    "ordersapi.OrderCompleted": {"id": "string"},
    "customersapi.CustomerRegistered": {"id": "string", "name": "string"},
}

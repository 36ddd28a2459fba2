"""The fields of the messages the customers context reads: other contexts' events and the
commands it handles (handlers.py)."""

CONSUMER = "customers"
EXPECTATIONS = {
    "ordersapi.OrderCreated": {"id": "string", "customer_id": "string", "saga": "string"},
    "customersapi.AuthorizeCustomer": {"customer_id": "string", "order_id": "string"},
}

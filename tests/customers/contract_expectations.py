"""The fields of other contexts' events that the customers context reads."""

CONSUMER = "customers"
EXPECTATIONS = {
    "ordersapi.OrderCreated": {"id": "string", "customer_id": "string"},
}

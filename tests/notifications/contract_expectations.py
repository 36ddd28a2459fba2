"""The fields of the customers and ordering contexts' events that the notifications handlers
read (handlers.py); the producers' examples must keep satisfying them (tests/test_contracts.py)."""

CONSUMER = "notifications"

EXPECTATIONS = {
    "customersapi.CustomerRegistered": {"id": "string", "name": "string", "sms_number": "string"},
    "customersapi.CustomerSmsChanged": {"id": "string", "sms_number": "string"},
    "ordersapi.OrderCreated": {"id": "string", "customer_id": "string", "total": "decimal"},
    "ordersapi.OrderRejected": {"id": "string", "customer_id": "string", "reason": "string"},
    "ordersapi.OrderCanceled": {"id": "string", "customer_id": "string"},
    "ordersapi.OrderReadied": {"id": "string", "customer_id": "string", "total": "decimal"},
    "ordersapi.OrderCompleted": {"id": "string", "customer_id": "string"},
}

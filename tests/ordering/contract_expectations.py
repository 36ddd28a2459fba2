"""The fields of other contexts' events that the ordering handlers read (handlers.py), and of
the replies its CreateOrderSaga reads (saga.py); their producers' examples must keep
satisfying them (tests/test_contracts.py)."""

CONSUMER = "ordering"

EXPECTATIONS = {
    "basketsapi.BasketCheckedOut": {
        "id": "string",
        "customer_id": "string",
        "payment_id": "string",
        "items[].store_id": "string",
        "items[].product_id": "string",
        "items[].store_name": "string",
        "items[].product_name": "string",
        "items[].price": "decimal",
        "items[].quantity": "integer",
    },
    "customersapi.CustomerAuthorizationFailed": {"order_id": "string", "reason": "string"},
    "depotapi.ShoppingListCreationFailed": {"order_id": "string", "reason": "string"},
    "paymentsapi.PaymentConfirmationFailed": {"order_id": "string", "reason": "string"},
    "depotapi.ShoppingListInitiated": {"id": "string", "order_id": "string"},
    "depotapi.ShoppingListAssigned": {"order_id": "string", "bot_id": "string"},
    "depotapi.ShoppingListCompleted": {"order_id": "string"},
    "paymentsapi.InvoicePaid": {"id": "string", "order_id": "string"},
    # Replies on ordering.create_order.replies
    "depotapi.CreatedShoppingListReply": {"id": "string"},
    "am.Success": {},
    "am.Failure": {"reason": "string"},
}

"""One example of every integration event the depot context publishes, checked against what
every consumer reads (tests/test_contracts.py)."""

from apps.depot import contracts

LIST_ID = "6a0c2f4e-8b1d-4e3a-9c5f-7d2e1b0a3c4d"
ORDER_ID = "7d1c4e2a-9b3f-4a6d-8c5e-1f2a3b4c5d6e"
BOT_ID = "b07b07b0-1c2d-4e3f-8a9b-0c1d2e3f4a5b"

EXAMPLES = [
    contracts.ShoppingListCreated(id=LIST_ID, order_id=ORDER_ID),
    contracts.ShoppingListCreationFailed(
        order_id=ORDER_ID, reason="the product is no longer sold: The Go Programming Language"
    ),
    contracts.ShoppingListInitiated(id=LIST_ID, order_id=ORDER_ID),
    contracts.ShoppingListAssigned(id=LIST_ID, order_id=ORDER_ID, bot_id=BOT_ID),
    contracts.ShoppingListCompleted(id=LIST_ID, order_id=ORDER_ID),
    contracts.ShoppingListCanceled(id=LIST_ID, order_id=ORDER_ID),
    contracts.CreatedShoppingList(id=LIST_ID),  # the reply to CreateShoppingList
]

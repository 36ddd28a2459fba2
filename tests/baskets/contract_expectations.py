"""The fields of the stores context's events that the baskets handlers read (handlers.py);
the stores context's examples must keep satisfying them (tests/test_contracts.py)."""

CONSUMER = "baskets"

EXPECTATIONS = {
    "storesapi.StoreCreated": {"id": "string", "name": "string", "location": "string"},
    "storesapi.StoreRebranded": {"id": "string", "name": "string"},
    "storesapi.ProductAdded": {"id": "string", "store_id": "string", "name": "string", "price": "decimal"},
    "storesapi.ProductRebranded": {"id": "string", "name": "string"},
    "storesapi.ProductPriceIncreased": {"id": "string", "price": "decimal"},
    "storesapi.ProductPriceDecreased": {"id": "string", "price": "decimal"},
    "storesapi.ProductRemoved": {"id": "string"},
    "ordersapi.OrderRejected": {"id": "string", "reason": "string"},
}

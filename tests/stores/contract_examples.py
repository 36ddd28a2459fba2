"""One example of every integration event the stores context publishes, checked against what
every consumer reads (tests/test_contracts.py)."""

from decimal import Decimal

from apps.stores import contracts

STORE_ID = "5b0f3c7e-2a44-4d0e-9b1f-6f1f0c2b7a10"
PRODUCT_ID = "c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f"

EXAMPLES = [
    contracts.StoreCreated(id=STORE_ID, name="Waldorf Books", location="Level 1, unit 12"),
    contracts.StoreParticipatingToggled(id=STORE_ID, participating=True),
    contracts.StoreRebranded(id=STORE_ID, name="Waldorf Books & Coffee"),
    contracts.ProductAdded(
        id=PRODUCT_ID,
        store_id=STORE_ID,
        name="The Go Programming Language",
        description="Paperback",
        sku="BK-0042",
        price=Decimal("34.99"),
    ),
    contracts.ProductRebranded(
        id=PRODUCT_ID, name="The Go Programming Language, 2nd ed.", description="Hardcover"
    ),
    contracts.ProductPriceIncreased(id=PRODUCT_ID, delta=Decimal("5.00"), price=Decimal("39.99")),
    contracts.ProductPriceDecreased(id=PRODUCT_ID, delta=Decimal("-10.00"), price=Decimal("29.99")),
    contracts.ProductRemoved(id=PRODUCT_ID),
]

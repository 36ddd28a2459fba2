"""One example of every integration event the baskets context publishes, checked against what
every consumer reads (tests/test_contracts.py)."""

from decimal import Decimal

from apps.baskets import contracts

BASKET_ID = "7d1c4e2a-9b3f-4a6d-8c5e-1f2a3b4c5d6e"
CUSTOMER_ID = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"

EXAMPLES = [
    contracts.BasketStarted(id=BASKET_ID, customer_id=CUSTOMER_ID),
    contracts.BasketCanceled(id=BASKET_ID),
    contracts.BasketCheckedOut(
        id=BASKET_ID,
        customer_id=CUSTOMER_ID,
        payment_id="3c2b1a09-8f7e-4d6c-b5a4-938271605f4e",
        items=(
            contracts.BasketItem(
                store_id="5b0f3c7e-2a44-4d0e-9b1f-6f1f0c2b7a10",
                product_id="c1d2e3f4-0a1b-4c2d-8e3f-9a0b1c2d3e4f",
                store_name="Waldorf Books",
                product_name="The Go Programming Language",
                price=Decimal("34.99"),
                quantity=2,
            ),
            contracts.BasketItem(
                store_id="8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
                product_id="1e2d3c4b-5a69-4788-b6a5-c4d3e2f1a0b9",
                store_name="Corner Coffee",
                product_name="Espresso beans 1 kg",
                price=Decimal("18.50"),
                quantity=1,
            ),
        ),
    ),
]

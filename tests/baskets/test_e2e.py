"""A kiosk shopping from products a store manager put on sale, through the HTTP APIs of both
contexts, with a real worker carrying the stores events to the baskets caches."""

from __future__ import annotations

import pytest

from apps.baskets.models import ProductCache
from mallbots.kernel.messaging.models import StreamMessage
from tests.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Ids of a customer and a payment nobody registered: the API takes any UUID.
CUSTOMER_ID = "00000000-0000-4000-8000-000000000001"
PAYMENT_ID = "00000000-0000-4000-8000-000000000002"


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def test_a_kiosk_fills_a_basket_at_current_prices_and_checks_it_out(api_client_for, start_worker):
    # given a store with two products, their events handled by the baskets worker
    start_worker("baskets,messaging")
    manager, kiosk = api_client_for("store-managers"), api_client_for("kiosk")
    store_id = ok(manager.post("/api/stores", {"name": "Threads", "location": "Level 1"}, format="json"))[
        "id"
    ]
    shirt = ok(
        manager.post(
            f"/api/stores/{store_id}/products",
            {"name": "Shirt", "description": "Cotton", "sku": "S-1", "price": 10.00},
            format="json",
        )
    )["id"]
    mug = ok(
        manager.post(
            f"/api/stores/{store_id}/products",
            {"name": "Mug", "description": "Stoneware", "sku": "M-1", "price": 4.50},
            format="json",
        )
    )["id"]
    ok(manager.put(f"/api/stores/products/{shirt}/increasePrice", {"price": 12.00}, format="json"))
    wait_until(lambda: ProductCache.objects.filter(id=shirt, price=12, name="Shirt").exists())
    wait_until(lambda: ProductCache.objects.filter(id=mug, store_id=store_id).exists())
    cached = set(ProductCache.objects.values_list("id", "updated_at"))
    # when
    basket_id = ok(kiosk.post("/api/baskets", {"customerId": CUSTOMER_ID}, format="json"))["id"]
    ok(kiosk.put(f"/api/baskets/{basket_id}/addItem", {"productId": shirt, "quantity": 2}, format="json"))
    ok(kiosk.put(f"/api/baskets/{basket_id}/addItem", {"productId": mug, "quantity": 3}, format="json"))
    ok(kiosk.put(f"/api/baskets/{basket_id}/removeItem", {"productId": mug, "quantity": 1}, format="json"))
    ok(kiosk.put(f"/api/baskets/{basket_id}/checkout", {"paymentId": PAYMENT_ID}, format="json"))
    # then
    assert ok(kiosk.get(f"/api/baskets/{basket_id}")) == {
        "basket": {
            "id": basket_id,
            "items": [
                {
                    "storeId": store_id,
                    "productId": shirt,
                    "storeName": "Threads",
                    "productName": "Shirt",
                    "productPrice": 12.0,
                    "quantity": 2,
                },
                {
                    "storeId": store_id,
                    "productId": mug,
                    "storeName": "Threads",
                    "productName": "Mug",
                    "productPrice": 4.5,
                    "quantity": 2,
                },
            ],
            "customerId": CUSTOMER_ID,
            "paymentId": PAYMENT_ID,
            "status": "checked_out",
        }
    }
    checked_out = StreamMessage.objects.get(name="basketsapi.BasketCheckedOut")
    assert checked_out.partition_key == basket_id
    assert [(i["product_id"], i["price"], i["quantity"]) for i in checked_out.payload["items"]] == [
        (shirt, "12.00", 2),
        (mug, "4.50", 2),
    ]
    # the items came from the caches the worker keeps, not from a fallback (it rewrites the row)
    assert set(ProductCache.objects.values_list("id", "updated_at")) == cached

"""A kiosk's checkout becoming an order, through the HTTP APIs of the stores, baskets and
ordering contexts, with real workers carrying the messages between them."""

from __future__ import annotations

import pytest

from apps.ordering.models import Order
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import FailedDelivery
from tests.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Ids of a customer and a payment nobody registered: the API takes any UUID.
CUSTOMER_ID = "00000000-0000-4000-8000-000000000001"
PAYMENT_ID = "00000000-0000-4000-8000-000000000002"


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def checkout(manager, kiosk, customer_id: str) -> tuple[str, str, str]:
    """A store with a product, and a kiosk basket of two of it checked out. Returns the basket
    id, the store id and the product id."""
    store_id = ok(manager.post("/api/stores", {"name": "Threads", "location": "Level 1"}, format="json"))[
        "id"
    ]
    product_id = ok(
        manager.post(
            f"/api/stores/{store_id}/products",
            {"name": "Shirt", "description": "Cotton", "sku": "S-1", "price": 12.50},
            format="json",
        )
    )["id"]
    basket_id = ok(kiosk.post("/api/baskets", {"customerId": customer_id}, format="json"))["id"]
    ok(
        kiosk.put(
            f"/api/baskets/{basket_id}/addItem", {"productId": product_id, "quantity": 2}, format="json"
        )
    )
    ok(kiosk.put(f"/api/baskets/{basket_id}/checkout", {"paymentId": PAYMENT_ID}, format="json"))
    return basket_id, store_id, product_id


def test_a_checkout_becomes_a_pending_order_the_kiosk_can_read_and_cancel(api_client_for, start_worker):
    # given
    start_worker("ordering,messaging")
    manager, kiosk = api_client_for("store-managers"), api_client_for("kiosk")
    # when
    basket_id, store_id, product_id = checkout(manager, kiosk, CUSTOMER_ID)
    wait_until(lambda: Order.objects.filter(id=basket_id).exists())
    order = ok(kiosk.get(f"/api/ordering/{basket_id}"))
    cancelled = ok(kiosk.delete(f"/api/ordering/{basket_id}"))
    # then
    assert order == {
        "order": {
            "id": basket_id,
            "customerId": CUSTOMER_ID,
            "paymentId": PAYMENT_ID,
            "items": [
                {
                    "storeId": store_id,
                    "productId": product_id,
                    "storeName": "Threads",
                    "productName": "Shirt",
                    "price": 12.5,
                    "quantity": 2,
                }
            ],
            "status": "pending",
            "shoppingId": "",
            "invoiceId": "",
            "total": 25.0,
        }
    }
    assert cancelled == {}
    assert ok(kiosk.get(f"/api/ordering/{basket_id}"))["order"]["status"] == "cancelled"
    assert set(
        Event.objects.filter(stream_type="ordering.Order", stream_id=basket_id).values_list(
            "metadata__correlation_id", flat=True
        )
    ) == {basket_id}
    assert not FailedDelivery.objects.exists()


def test_an_order_for_an_unknown_customer_is_rejected_by_the_saga(api_client_for, start_worker):
    # given workers for ordering and for the customers context, which authorizes the customer
    start_worker("ordering,customers,messaging")
    manager, kiosk = api_client_for("store-managers"), api_client_for("kiosk")
    # when
    basket_id, _, _ = checkout(manager, kiosk, "00000000-0000-4000-8000-00000000dead")  # nobody we know
    wait_until(lambda: Order.objects.filter(id=basket_id, status="rejected").exists())
    order = ok(kiosk.get(f"/api/ordering/{basket_id}"))
    cancel = kiosk.delete(f"/api/ordering/{basket_id}")
    # then
    assert order["order"]["status"] == "rejected"
    assert Order.objects.get(id=basket_id).rejection_reason == "the customer was not found"
    assert (cancel.status_code, cancel.json()["message"]) == (400, "the order cannot be cancelled")
    assert not FailedDelivery.objects.exists()

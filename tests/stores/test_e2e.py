"""A store manager sets up a store through the HTTP API; a kiosk shows its catalog."""

from __future__ import annotations

import pytest

from mallbots.kernel.messaging.models import StreamMessage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_store_manager_opens_a_store_and_a_kiosk_shows_its_catalog(api_client_for):
    # given
    manager = api_client_for("store-managers")
    kiosk = api_client_for("kiosk")
    # when the manager creates a store, stocks it and joins the bot service
    store_id = manager.post("/api/stores", {"name": "Books", "location": "Level 1"}, format="json").json()[
        "id"
    ]
    novel = manager.post(
        f"/api/stores/{store_id}/products",
        {"name": "Novel", "description": "Paperback", "sku": "BK-1", "price": 10},
        format="json",
    ).json()["id"]
    poems = manager.post(
        f"/api/stores/{store_id}/products", {"name": "Poems", "sku": "BK-2", "price": 4.5}, format="json"
    ).json()["id"]
    assert manager.put(f"/api/stores/{store_id}/participating", {}, format="json").status_code == 200
    assert (
        manager.put(f"/api/stores/{store_id}/rebrand", {"name": "Books & Coffee"}, format="json").status_code
        == 200
    )
    assert (
        manager.put(
            f"/api/stores/products/{novel}/increasePrice", {"price": 12.99}, format="json"
        ).status_code
        == 200
    )
    assert manager.delete(f"/api/stores/products/{poems}").status_code == 200
    # then the kiosk sees the participating store and its catalog
    assert kiosk.get("/api/stores/participating").json() == {
        "stores": [{"id": store_id, "name": "Books & Coffee", "location": "Level 1", "participating": True}]
    }
    assert kiosk.get(f"/api/stores/{store_id}/products").json() == {
        "products": [
            {
                "id": novel,
                "storeId": store_id,
                "name": "Novel",
                "description": "Paperback",
                "sku": "BK-1",
                "price": 12.99,
            }
        ]
    }
    assert kiosk.get(f"/api/stores/products/{poems}").status_code == 404
    # and every change was announced to the other contexts, in order
    assert list(StreamMessage.objects.order_by("position").values_list("name", "partition_key")) == [
        ("storesapi.StoreCreated", store_id),
        ("storesapi.ProductAdded", novel),
        ("storesapi.ProductAdded", poems),
        ("storesapi.StoreParticipatingToggled", store_id),
        ("storesapi.StoreRebranded", store_id),
        ("storesapi.ProductPriceIncreased", novel),
        ("storesapi.ProductRemoved", poems),
    ]

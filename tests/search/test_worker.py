"""The searchable orders kept by a real Celery worker consuming the `search` queue, from the
ordering and customers contexts' integration events."""

from __future__ import annotations

import pytest

from apps.customers import contracts as customers
from apps.search.models import SearchOrder
from mallbots.kernel.messaging.models import Delivery, FailedDelivery
from tests.conftest import wait_until
from tests.search.test_handlers import lifecycle, new_id, publish_each

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def state(order_id: str) -> tuple[str, str] | None:
    return SearchOrder.objects.filter(order_id=order_id).values_list("status", "customer_name").first()


def test_the_worker_follows_an_order_to_its_latest_status(start_worker, api_client_for):
    # given
    start_worker("search,messaging")
    order_id, customer_id = new_id(), new_id()
    # when the order goes its way, and its customer's registration is seen only afterwards
    publish_each(*lifecycle(order_id, customer_id, "approved", "in-progress", "ready", "completed"))
    publish_each(customers.CustomerRegistered(id=customer_id, name="Ada Lovelace", sms_number="555-0100"))
    # then
    wait_until(lambda: state(order_id) == ("completed", "Ada Lovelace"))
    assert Delivery.objects.filter(status="handled", handler__startswith="search.").count() == 6
    assert not FailedDelivery.objects.exists()
    response = api_client_for("kiosk").post(
        "/api/search/orders", {"filters": {"customerId": customer_id, "status": "completed"}}, format="json"
    )
    assert [(o["orderId"], o["customerName"]) for o in response.json()["orders"]] == [
        (order_id, "Ada Lovelace")
    ]

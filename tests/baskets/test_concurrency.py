"""Bursts on one basket with real threads against real PostgreSQL: commands on one aggregate
wait their turn (the event store's per-stream lock, taken before loading), so every one of them
succeeds, and the losers of a race that only one can win keep their exact answers."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections
from rest_framework.test import APIClient

from apps.baskets.models import Basket
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from tests.baskets.factories import BasketFactory, CachedProductFactory, new_id

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.django_db(transaction=True)]


def burst(count: int, call: Callable[[APIClient, int], object]) -> list[tuple[int, object]]:
    """`count` threads, each with a client of its own, released at once; (status, body) each."""
    barrier = threading.Barrier(count)
    answers: list[tuple[int, object]] = [(0, None)] * count

    def run(index: int) -> None:
        client = _client()
        try:
            barrier.wait(30)
            response = call(client, index)
            answers[index] = (response.status_code, response.json())  # type: ignore[attr-defined]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


_token: dict[str, str] = {}


def _client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token['key']}")
    return client


@pytest.fixture(autouse=True)
def kiosk_token(api_client_for) -> None:
    client = api_client_for("kiosk")
    _token["key"] = client._credentials["HTTP_AUTHORIZATION"].split()[1]


def test_fifty_concurrent_adds_to_one_basket_all_succeed_and_all_land():
    # given
    products = [CachedProductFactory() for _ in range(5)]
    basket = BasketFactory()
    # when 50 kiosks add an item to the same basket at the same moment
    answers = burst(
        50,
        lambda client, i: client.put(
            f"/api/baskets/{basket.id}/addItem",
            {"productId": products[i % 5].id, "quantity": 1},
            format="json",
        ),
    )
    # then every one succeeded, and the basket holds all 50
    assert Counter(status for status, _ in answers) == {200: 50}
    assert {line["product_id"]: line["quantity"] for line in Basket.objects.get(id=basket.id).items} == {
        product.id: 10 for product in products
    }
    assert Event.objects.filter(stream_id=basket.id).count() == 51
    assert StreamMessage.objects.filter(partition_key=basket.id).count() == 1  # BasketStarted only


def test_of_twenty_concurrent_checkouts_one_wins_and_the_others_keep_the_exact_400():
    # given
    basket = BasketFactory(items=[(CachedProductFactory(), 1)])
    # when
    answers = burst(
        20,
        lambda client, i: client.put(
            f"/api/baskets/{basket.id}/checkout", {"paymentId": new_id()}, format="json"
        ),
    )
    # then
    assert Counter(status for status, _ in answers) == {200: 1, 400: 19}
    assert [body for status, body in answers if status == 400] == [
        {"code": 9, "message": "the basket cannot be modified", "details": []}
    ] * 19
    assert Event.objects.filter(stream_id=basket.id, event_type="baskets.BasketCheckedOut").count() == 1
    assert (
        StreamMessage.objects.filter(partition_key=basket.id, name="basketsapi.BasketCheckedOut").count() == 1
    )

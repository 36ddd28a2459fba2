"""The baskets side of the create-order saga (docs/saga.md)."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.baskets.models import Basket
from apps.ordering.contracts import OrderRejected
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import StreamMessage
from tests.baskets.factories import BasketFactory, CachedProductFactory
from tests.baskets.helpers import events_of
from tests.kernel.messaging.helpers import deliveries_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HANDLER = "baskets.on_ordering_order_rejected"


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def rejected(order_id: str, reason: str) -> tuple:
    with transaction.atomic():
        publish(OrderRejected(id=order_id, customer_id="c-1", payment_id="p-1", reason=reason))
    row = StreamMessage.objects.filter(name="ordersapi.OrderRejected", partition_key=order_id).latest(
        "position"
    )
    (delivery,) = [d for d in deliveries_of(row) if d[0] == HANDLER]
    return delivery


def test_checkout_runs_under_the_basket_id_as_correlation_id():
    # given / when
    basket = BasketFactory(items=[(CachedProductFactory(), 1)], payment_id="pay-1")
    # then the checkout event and message carry the basket (= order) id as correlation id
    checked_out = Event.objects.get(stream_id=basket.id, event_type="baskets.BasketCheckedOut")
    assert checked_out.metadata["correlation_id"] == basket.id
    assert StreamMessage.objects.get(name="basketsapi.BasketCheckedOut").correlation_id == basket.id


def test_a_rejected_order_is_reported_on_its_basket_once():
    # given a checked-out basket whose order was rejected, delivered twice
    basket = BasketFactory(items=[(CachedProductFactory(), 1)], payment_id="pay-1")
    delivery = rejected(basket.id, "customer is not authorized")
    # when
    outcomes = [consumer.process(*delivery), consumer.process(*delivery)]
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert events_of(basket.id)[-1] == (
        4,
        "baskets.BasketCheckoutRejected",
    )  # started, added, checked out, rejected
    view = Basket.objects.get(id=basket.id)
    assert (view.status, view.checkout_rejection) == ("checked_out", "customer is not authorized")
    # and a second rejection message (another message id) changes nothing
    consumer.process(*rejected(basket.id, "again"))
    assert Basket.objects.get(id=basket.id).checkout_rejection == "customer is not authorized"
    assert len(events_of(basket.id)) == 4


def test_an_order_without_a_basket_is_ignored():
    delivery = rejected("3f1c7a9e-0000-4000-8000-000000000001", "no basket")
    assert consumer.process(*delivery) == Outcome.HANDLED
    assert not Event.objects.filter(stream_id="3f1c7a9e-0000-4000-8000-000000000001").exists()

"""The create-order saga's timeout: the beat task `ordering.reject_stale_orders`."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ordering import services
from apps.ordering.models import Order
from apps.ordering.tasks import reject_stale_orders
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from tests.ordering.factories import OrderFactory
from tests.ordering.helpers import events_of, published, row


def created_ago(order: Order, seconds: float) -> None:
    """Age the order's read model row (what the sweep reads)."""
    Order.objects.filter(id=order.id).update(created_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.integration
@pytest.mark.django_db
def test_orders_pending_past_the_timeout_are_rejected_and_the_others_left(settings):
    # given
    settings.ORDERING_PENDING_TIMEOUT_SECONDS = 300
    stale, fresh = OrderFactory(), OrderFactory()
    approved = OrderFactory(status="approved")
    created_ago(stale, 301)
    created_ago(fresh, 200)
    created_ago(approved, 3600)
    # when
    rejected = reject_stale_orders()
    # then
    assert rejected == 1
    assert (row(stale.id)["status"], row(stale.id)["rejection_reason"]) == (
        "rejected",
        "the order was not approved in time",
    )
    assert published(stale.id)[-1] == (
        "ordersapi.OrderRejected",
        {
            "id": stale.id,
            "customer_id": stale.customer_id,
            "payment_id": stale.payment_id,
            "reason": "the order was not approved in time",
        },
    )
    assert (row(fresh.id)["status"], row(approved.id)["status"]) == ("pending", "approved")
    assert len(events_of(fresh.id)) == 1 and len(events_of(approved.id)) == 2


@pytest.mark.integration
@pytest.mark.django_db
def test_a_rejection_by_the_sweep_carries_the_order_id_and_names_the_sweep():
    # given
    order = OrderFactory()
    created_ago(order, 10)
    # when
    services.order_reject_stale(older_than=timedelta(seconds=5))
    # then
    metadata = Event.objects.get(stream_id=order.id, version=2).metadata
    assert (metadata["correlation_id"], metadata["actor"]) == (order.id, "ordering.reject_stale_orders")
    assert StreamMessage.objects.get(name="ordersapi.OrderRejected").correlation_id == order.id


@pytest.mark.integration
@pytest.mark.django_db
def test_running_the_sweep_again_changes_nothing(settings):
    # given
    settings.ORDERING_PENDING_TIMEOUT_SECONDS = 60
    order = OrderFactory()
    created_ago(order, 120)
    reject_stale_orders()
    outbox_before = StreamMessage.objects.count()
    # when
    again = reject_stale_orders()
    # then
    assert again == 0
    assert len(events_of(order.id)) == 2
    assert StreamMessage.objects.count() == outbox_before


@pytest.mark.integration
@pytest.mark.django_db
def test_with_nothing_stale_the_sweep_changes_nothing():
    # given
    order = OrderFactory()
    # when
    rejected = services.order_reject_stale(older_than=timedelta(hours=1))
    # then
    assert rejected == []
    assert row(order.id)["status"] == "pending"
    assert [name for name, _ in published(order.id)] == ["ordersapi.OrderCreated"]


@pytest.mark.integration
@pytest.mark.django_db
def test_an_order_approved_after_the_sweep_read_it_is_left_approved(monkeypatch, caplog):
    # given the sweep lists a pending order, which the saga approves before it is rejected
    order = OrderFactory()
    created_ago(order, 600)
    listed = services.selectors.order_list_stale

    def list_then_approve(**kwargs):
        ids = listed(**kwargs)
        services.order_approve(order_id=order.id, shopping_id="shopping-1")
        return ids

    monkeypatch.setattr(services.selectors, "order_list_stale", list_then_approve)
    caplog.set_level(logging.INFO, logger="apps.ordering.services")
    # when
    rejected = services.order_reject_stale(older_than=timedelta(seconds=300))
    # then
    assert rejected == []
    assert row(order.id)["status"] == "approved"
    assert [name for _, name in events_of(order.id)] == ["ordering.OrderCreated", "ordering.OrderApproved"]
    assert [r.getMessage() for r in caplog.records if r.name == "apps.ordering.services"] == [
        f"stale order {order.id} moved on before it could be rejected"
    ]


@pytest.mark.integration
@pytest.mark.django_db
def test_the_sweep_takes_the_oldest_first_up_to_its_limit():
    # given
    orders = [OrderFactory() for _ in range(3)]
    for age, order in zip([100, 300, 200], orders, strict=True):
        created_ago(order, age)
    # when
    rejected = services.order_reject_stale(older_than=timedelta(seconds=50), limit=2)
    # then
    assert rejected == [orders[1].id, orders[2].id]
    assert row(orders[0].id)["status"] == "pending"

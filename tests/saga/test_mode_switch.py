"""Switching MALLBOTS_SAGA with orders in flight: each order finishes in the mode it started in."""

from __future__ import annotations

import pytest

from apps.depot import selectors as depot_selectors
from apps.depot.models import ShoppingList
from apps.payments.models import Payment
from mallbots.kernel.messaging.models import FailedDelivery
from tests.conftest import wait_until
from tests.saga.helpers import saga_ran
from tests.saga.test_order_life import (
    ALL_QUEUES,
    checkout,
    customer,
    mall_data,
    settled,
    status,
    wait_for_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OTHER = {"choreography": "orchestration", "orchestration": "choreography"}


@pytest.mark.parametrize("started_in", sorted(OTHER))
def test_an_order_in_flight_finishes_in_the_mode_it_started_in(start_worker, settings, started_in):
    # given an order created in one mode, its saga waiting for the customers context (no worker)
    switched_to = OTHER[started_in]
    settings.MALLBOTS_SAGA = started_in
    env = {"MALLBOTS_SAGA": started_in}
    first = start_worker(
        queues=",".join(q for q in ALL_QUEUES.split(",") if q != "customers"), beat=True, extra_env=env
    )
    mall = mall_data()
    customer_id, payment_id = customer()
    order_id = checkout(customer_id, payment_id, (mall["wand"], 1))
    wait_for_status(order_id, "pending")
    # when every worker is replaced by one running the other mode
    first.stop()
    start_worker(queues=ALL_QUEUES, beat=True, extra_env={"MALLBOTS_SAGA": switched_to})
    # then the order is approved by the saga it started with, once (its whole rest of the saga
    # behind a worker's stop and start: on a loaded machine, more than the usual bound)
    wait_for_status(order_id, "approved", timeout=90)
    saga_ran(started_in, order_id, "completed")
    wait_until(settled)
    assert ShoppingList.objects.filter(order_id=order_id).count() == 1
    shopping = depot_selectors.shopping_list_find_by_order(order_id=order_id)
    assert shopping.status == "available"
    assert Payment.objects.get(id=payment_id).order_id == order_id
    assert not FailedDelivery.objects.exists()
    # and an order created now runs the new way
    settings.MALLBOTS_SAGA = switched_to
    second_customer, second_payment = customer(name="Bob")
    second = checkout(second_customer, second_payment, (mall["wand"], 1))
    wait_for_status(second, "approved")
    saga_ran(switched_to, second, "completed")
    assert status(order_id) == "approved"

"""The upkeep of the searchable orders and the customer cache, on real PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.search import services
from apps.search.domain import OrderStatus
from apps.search.models import CustomerCache, SearchOrder
from mallbots.kernel.messaging.models import StreamMessage
from tests.search.factories import T0, SearchOrderFactory, line, new_id
from tests.search.helpers import cached_names, row, rows, written_at

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


# --- search_order_add -----------------------------------------------------------------------


def test_add_keeps_the_order_with_names_total_and_pending_status():
    # given
    order_id, customer_id, store_id = new_id(), new_id(), new_id()
    shirt = line(store_id=store_id, product_name="Shirt", store_name="Threads", price="10.00", quantity=2)
    mug = line(store_id=store_id, product_name="Mug", store_name="Threads", price="4.5", quantity=1)
    services.customer_cache_add(customer_id=customer_id, name="Ada Lovelace")
    # when
    added = services.search_order_add(
        order_id=order_id, customer_id=customer_id, items=[shirt, mug], total=Decimal("24.5"), created_at=T0
    )
    # then
    assert added is True
    assert row(order_id) == {
        "order_id": order_id,
        "customer_id": customer_id,
        "customer_name": "Ada Lovelace",
        "items": [shirt.as_data(), mug.as_data()],
        "product_ids": sorted([shirt.product_id, mug.product_id]),
        "store_ids": [store_id],
        "total": Decimal("24.50"),
        "status": "pending",
        "created_at": T0,
    }
    assert row(order_id)["items"][1]["price"] == "4.50"
    assert not StreamMessage.objects.exists()


def test_add_on_a_cache_miss_asks_the_customers_context_and_caches_the_name(customers_know):
    # given
    customer_id = new_id()
    customers_know.names[customer_id] = "Grace Hopper"
    # when
    SearchOrderFactory(customer_id=customer_id)
    SearchOrderFactory(customer_id=customer_id)
    # then
    assert [o.customer_name for o in SearchOrder.objects.all()] == ["Grace Hopper", "Grace Hopper"]
    assert cached_names() == {customer_id: "Grace Hopper"}
    assert customers_know.calls == [customer_id]


def test_add_for_a_customer_nobody_knows_keeps_the_order_without_a_name(customers_know):
    # given
    customer_id = new_id()
    # when
    order = SearchOrderFactory(customer_id=customer_id)
    # then
    assert order.customer_name == ""
    assert not CustomerCache.objects.exists()


def test_add_of_a_real_customer_reads_the_customers_contexts_answer():
    # given a customer registered in the customers context, whose event search has not seen
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory(name="Katherine Johnson")
    # when
    order = SearchOrderFactory(customer_id=str(customer.id))
    # then
    assert order.customer_name == "Katherine Johnson"
    assert cached_names() == {str(customer.id): "Katherine Johnson"}


def test_add_of_an_order_already_there_writes_it_again_from_its_first_event():
    # given a row (a replay of the stream is about to write it again)
    order = SearchOrderFactory(status=OrderStatus.APPROVED)
    customer_id = new_id()
    # when
    added = services.search_order_add(
        order_id=order.order_id,
        customer_id=customer_id,
        items=[line()],
        total=Decimal("1.00"),
        created_at=T0 + timedelta(days=1),
    )
    # then the row is the order as created; its later events bring it forward
    assert added is False
    written = row(order.order_id)
    assert (written["status"], written["customer_id"], written["total"]) == (
        "pending",
        customer_id,
        Decimal("1.00"),
    )
    assert written["created_at"] == T0 + timedelta(days=1)
    assert len(rows()) == 1


# --- search_order_change_status -------------------------------------------------------------


@pytest.mark.parametrize("status", list(OrderStatus))
def test_change_status_sets_the_status_and_the_time_of_the_write(status):
    # given
    order = SearchOrderFactory(created_at=T0)
    added_at = written_at(order.order_id)
    # when
    changed = services.search_order_change_status(order_id=order.order_id, status=status)
    # then
    assert changed is True
    assert row(order.order_id) == {**row_before(order), "status": status.value}
    assert written_at(order.order_id) > added_at


def row_before(order: SearchOrder) -> dict:
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "items": order.items,
        "product_ids": order.product_ids,
        "store_ids": order.store_ids,
        "total": order.total,
        "status": order.status,
        "created_at": order.created_at,
    }


def test_change_status_of_an_order_without_a_row_inserts_nothing_and_warns(caplog):
    # given
    order_id = new_id()
    caplog.set_level(logging.INFO, logger="apps.search.services")
    # when
    changed = services.search_order_change_status(order_id=order_id, status=OrderStatus.APPROVED)
    # then
    assert changed is False
    assert not SearchOrder.objects.exists()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"order {order_id}: no row to set approved on, skipped")
    ]


# --- customer_cache_add ---------------------------------------------------------------------


def test_a_registered_customer_is_cached_and_named_on_their_nameless_orders_only():
    # given two orders of a customer nobody knew, and one of another customer
    customer_id, other_id = new_id(), new_id()
    first = SearchOrderFactory(customer_id=customer_id)
    second = SearchOrderFactory(customer_id=customer_id)
    services.customer_cache_add(customer_id=other_id, name="Other")
    other = SearchOrderFactory(customer_id=other_id)
    # when
    services.customer_cache_add(customer_id=customer_id, name="Ada Lovelace")
    # then
    assert [row(o.order_id)["customer_name"] for o in (first, second, other)] == [
        "Ada Lovelace",
        "Ada Lovelace",
        "Other",
    ]
    assert cached_names() == {customer_id: "Ada Lovelace", other_id: "Other"}


def test_a_customer_registered_twice_keeps_the_latest_name_without_error():
    # given
    customer_id = new_id()
    services.customer_cache_add(customer_id=customer_id, name="Ada")
    # when
    services.customer_cache_add(customer_id=customer_id, name="Ada Lovelace")
    # then
    assert cached_names() == {customer_id: "Ada Lovelace"}

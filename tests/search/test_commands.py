"""`manage.py rebuild_search`: every row rebuilt from the ordering context's open-host query,
idempotently, while handlers may write."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.search import services
from apps.search.domain import OrderStatus
from apps.search.models import CustomerCache, SearchOrder
from tests.search.factories import T0, SearchOrderFactory, line, new_id, order_info
from tests.search.helpers import cached_names, row, rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def rebuild(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rebuild_search", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(read: int, created: int, updated: int, unchanged: int, skipped: int, deleted: int) -> re.Pattern:
    orders = f"{read} order{'' if read == 1 else 's'}"
    return re.compile(
        rf"search orders: {orders} read in \d+\.\ds: {created} created, {updated} updated, "
        rf"{unchanged} unchanged, {skipped} skipped, {deleted} deleted\n"
    )


def expected_row(info, customer_name: str) -> dict:
    lines = services.order_lines(info.items)
    return {
        "order_id": info.id,
        "customer_id": info.customer_id,
        "customer_name": customer_name,
        "items": [item.as_data() for item in lines],
        "product_ids": sorted({item.product_id for item in lines}),
        "store_ids": sorted({item.store_id for item in lines}),
        "total": info.total,
        "status": info.status,
        "created_at": info.created_at,
    }


@pytest.fixture
def three_orders(ordering_has, customers_know):
    """Three orders of the ordering context, two customers (one the customers context knows)."""
    ada, unknown = new_id(), new_id()
    customers_know.names[ada] = "Ada Lovelace"
    infos = [
        order_info(customer_id=ada, status="completed", items=[line(), line(quantity=3)], created_at=T0),
        order_info(customer_id=ada, status="in-progress", created_at=T0 + timedelta(minutes=1)),
        order_info(customer_id=unknown, status="rejected", created_at=T0 + timedelta(minutes=2)),
    ]
    fake = ordering_has(*infos)
    names = {ada: "Ada Lovelace", unknown: ""}
    return fake, infos, names


def test_rebuild_adds_every_order_with_its_customers_name(three_orders):
    # given
    fake, infos, names = three_orders
    # when
    out, err = rebuild("--batch-size", "2")
    # then
    assert rows_without_times() == sorted(
        (expected_row(info, names[info.customer_id]) for info in infos), key=lambda r: r["order_id"]
    )
    assert summary(3, 3, 0, 0, 0, 0).fullmatch(out)
    assert "search orders: 3 orders" in err
    ids = sorted(info.id for info in infos)
    assert fake.pages == [("", 2), (ids[1], 2)]
    assert cached_names() == {infos[0].customer_id: "Ada Lovelace"}


def rows_without_times() -> list[dict]:
    return [row(r["order_id"]) for r in rows()]


def test_a_second_rebuild_changes_nothing(three_orders):
    # given
    rebuild()
    before = rows()
    # when
    out, _ = rebuild()
    # then
    assert rows() == before
    assert summary(3, 0, 0, 3, 0, 0).fullmatch(out)


def test_rebuild_restores_missing_and_wrong_rows_and_deletes_rows_of_unknown_orders(three_orders):
    # given rows as the handlers left them, one lost, one wrong, and one of an order ordering lacks
    _, infos, names = three_orders
    rebuild()
    SearchOrder.objects.filter(order_id=infos[0].id).delete()
    SearchOrder.objects.filter(order_id=infos[1].id).update(status="pending", total=Decimal("1.00"), items=[])
    stray = SearchOrderFactory(created_at=T0 - timedelta(days=1))
    # when
    out, _ = rebuild()
    # then
    assert rows_without_times() == sorted(
        (expected_row(info, names[info.customer_id]) for info in infos), key=lambda r: r["order_id"]
    )
    assert not SearchOrder.objects.filter(order_id=stray.order_id).exists()
    assert summary(3, 1, 1, 1, 0, 1).fullmatch(out)


def test_rebuild_keeps_a_rows_creation_time_and_a_name_it_cannot_find_again(ordering_has, customers_know):
    # given a row the handlers added, for a customer the customers context no longer answers
    customer_id = new_id()
    services.customer_cache_add(customer_id=customer_id, name="Grace Hopper")
    order = SearchOrderFactory(customer_id=customer_id, created_at=T0)
    CustomerCache.objects.filter(id=customer_id).delete()
    info = order_info(
        order_id=order.order_id,
        customer_id=customer_id,
        status="ready",
        items=[line()],
        created_at=T0 - timedelta(microseconds=250),
    )
    ordering_has(info)
    # when
    out, _ = rebuild()
    # then
    assert row(order.order_id) == {**expected_row(info, "Grace Hopper"), "created_at": T0}
    assert summary(1, 0, 1, 0, 0, 0).fullmatch(out)


def test_a_row_written_by_a_handler_while_ordering_is_read_is_left_alone(ordering_has):
    # given the rebuild reads the order as approved, while the handler of its cancellation writes
    order = SearchOrderFactory(status=OrderStatus.APPROVED)
    info = order_info(order_id=order.order_id, customer_id=order.customer_id, status="approved")
    fake = ordering_has(info)
    fake.while_reading = lambda: services.search_order_change_status(
        order_id=order.order_id, status=OrderStatus.CANCELLED
    )
    # when
    out, _ = rebuild()
    # then
    assert row(order.order_id)["status"] == "cancelled"
    assert summary(1, 0, 0, 0, 1, 0).fullmatch(out)


def test_the_row_of_an_order_created_while_rebuilding_is_not_deleted(ordering_has):
    # given an order the rebuild's pages did not include (created after they were read)
    fake = ordering_has()
    late = SearchOrderFactory()
    fake.orders[late.order_id] = order_info(order_id=late.order_id, customer_id=late.customer_id)
    # when
    services.search_order_prune(keep=set())
    # then
    assert SearchOrder.objects.filter(order_id=late.order_id).exists()


def test_rebuild_of_nothing_deletes_every_row(ordering_has):
    # given
    ordering_has()
    SearchOrderFactory()
    # when
    out, err = rebuild("--no-progress")
    # then
    assert not SearchOrder.objects.exists()
    assert summary(0, 0, 0, 0, 0, 1).fullmatch(out)
    assert err == ""


def test_a_batch_size_below_1_is_refused(ordering_has):
    ordering_has()
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        rebuild("--batch-size", "0")


# --- Refreshing one order (the admin action) --------------------------------------------------


def test_refresh_brings_one_row_to_the_ordering_contexts_state(ordering_has):
    # given
    order = SearchOrderFactory()
    other = SearchOrderFactory()
    info = order_info(order_id=order.order_id, customer_id=order.customer_id, status="ready")
    missing = order_info(status="approved")
    ordering_has(info, missing)
    # when
    outcomes = [
        services.search_order_refresh(order_id=order.order_id),
        services.search_order_refresh(order_id=order.order_id),
        services.search_order_refresh(order_id=missing.id),
        services.search_order_refresh(order_id=other.order_id),
        services.search_order_refresh(order_id=new_id()),
    ]
    # then
    assert outcomes == ["updated", "unchanged", "created", "deleted", "missing"]
    assert row(order.order_id)["status"] == "ready"
    assert row(missing.id)["status"] == "approved"
    assert not SearchOrder.objects.filter(order_id=other.order_id).exists()

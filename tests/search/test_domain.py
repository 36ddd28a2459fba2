"""The search model: filters, cursors and page sizes, without any I/O."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from apps.search.domain import (
    STATUSES,
    Cursor,
    InvalidCursor,
    InvalidSearch,
    OrderFilters,
    OrderLine,
    OrderStatus,
    SearchOrderNotFound,
    distinct_ids,
    page_size,
)

pytestmark = pytest.mark.unit

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_the_statuses_are_the_ordering_contexts_spelling():
    assert STATUSES == ("pending", "rejected", "approved", "in-progress", "ready", "completed", "cancelled")
    assert OrderStatus.IN_PROGRESS == "in-progress"


def test_an_order_line_is_stored_with_the_wire_keys_and_a_two_decimal_price():
    # given
    item = OrderLine(
        product_id="p-1",
        store_id="s-1",
        product_name="Mug",
        store_name="Kitchen",
        price=Decimal("4.5"),
        quantity=3,
    )
    # when
    data = item.as_data()
    # then
    assert data == {
        "productId": "p-1",
        "storeId": "s-1",
        "productName": "Mug",
        "storeName": "Kitchen",
        "price": "4.50",
        "quantity": 3,
    }


def test_distinct_ids_are_sorted_without_duplicates():
    assert distinct_ids(["b", "a", "b", "c", "a"]) == ["a", "b", "c"]


def test_empty_filters_match_everything():
    filters = OrderFilters()
    assert (filters.customer_id, filters.after, filters.before, filters.store_ids) == ("", None, None, ())
    assert (filters.product_ids, filters.min_total, filters.max_total, filters.status) == ((), None, None, "")


def test_every_filter_together_is_valid():
    filters = OrderFilters(
        customer_id="c-1",
        after=NOON,
        before=NOON + timedelta(hours=1),
        store_ids=("s-1",),
        product_ids=("p-1", "p-2"),
        min_total=Decimal("0"),
        max_total=Decimal("0"),
        status="in-progress",
    )
    assert filters.status == "in-progress"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"after": datetime(2024, 5, 1)}, "filters.after", "after must carry a time zone offset (RFC 3339)"),
        (
            {"before": datetime(2024, 5, 1)},
            "filters.before",
            "before must carry a time zone offset (RFC 3339)",
        ),
        ({"after": NOON, "before": NOON}, "filters.after", "after must be earlier than before"),
        (
            {"after": NOON, "before": NOON - timedelta(microseconds=1)},
            "filters.after",
            "after must be earlier than before",
        ),
        ({"min_total": Decimal("-0.01")}, "filters.minTotal", "minTotal cannot be negative"),
        ({"max_total": Decimal("-1")}, "filters.maxTotal", "maxTotal cannot be negative"),
        (
            {"min_total": Decimal("10.01"), "max_total": Decimal("10")},
            "filters.minTotal",
            "minTotal cannot be greater than maxTotal",
        ),
        (
            {"status": "New"},
            "filters.status",
            "the status must be one of: pending, rejected, approved, in-progress, ready, completed, cancelled",
        ),
        ({"store_ids": ("s-1", " ")}, "filters.storeIds", "storeIds cannot contain a blank id"),
        ({"product_ids": ("",)}, "filters.productIds", "productIds cannot contain a blank id"),
    ],
)
def test_filters_that_cannot_be_applied_are_refused_with_the_field(kwargs, field, message):
    # when
    with pytest.raises(InvalidSearch) as caught:
        OrderFilters(**kwargs)
    # then
    assert (caught.value.code, caught.value.message) == (3, message)
    assert caught.value.details == [{"field": field, "description": message}]


def test_equal_total_bounds_are_one_exact_total():
    assert OrderFilters(min_total=Decimal("5"), max_total=Decimal("5")).max_total == Decimal("5")


def test_times_in_other_offsets_compare_as_instants():
    # 13:00+02:00 is 11:00Z, earlier than noon UTC
    with pytest.raises(InvalidSearch):
        OrderFilters(after=NOON, before=datetime(2024, 5, 1, 13, 0, tzinfo=timezone(timedelta(hours=2))))


@pytest.mark.parametrize(("limit", "size"), [(None, 20), (0, 20), (1, 1), (20, 20), (100, 100)])
def test_page_size_defaults_to_20_and_allows_up_to_100(limit, size):
    assert page_size(limit) == size


@pytest.mark.parametrize("limit", [-1, 101, 1000])
def test_a_page_size_outside_1_to_100_is_refused(limit):
    with pytest.raises(InvalidSearch) as caught:
        page_size(limit)
    assert caught.value.message == "limit must be between 1 and 100"
    assert caught.value.details == [{"field": "limit", "description": "limit must be between 1 and 100"}]


def test_a_cursor_round_trips_through_its_opaque_token():
    # given
    cursor = Cursor(created_at=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC), order_id="o-1")
    # when
    token = cursor.encode()
    # then
    assert Cursor.decode(token) == cursor
    assert "=" not in token and "o-1" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "not a token!",
        "abc",
        _token("not json"),
        _token('["2024-05-01T12:00:00+00:00"]'),
        _token('["2024-05-01T12:00:00+00:00", "o-1", "extra"]'),
        _token('["2024-05-01T12:00:00", "o-1"]'),
        _token('["yesterday", "o-1"]'),
        _token('["2024-05-01T12:00:00+00:00", ""]'),
        _token('["2024-05-01T12:00:00+00:00", 7]'),
        _token('[7, "o-1"]'),
        _token('{"a": 1}'),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_token_that_is_no_cursor_is_refused(token):
    with pytest.raises(InvalidCursor) as caught:
        Cursor.decode(token)
    assert (caught.value.code, caught.value.message) == (
        3,
        "the next cursor is not valid: pass the `next` of the previous page",
    )
    assert caught.value.details[0]["field"] == "next"


def test_an_unknown_order_is_not_found():
    error = SearchOrderNotFound()
    assert (error.code, error.message) == (5, "the order was not found")

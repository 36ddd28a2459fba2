"""The order search on real PostgreSQL: every filter alone and together, keyset pagination."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.search import selectors
from apps.search.domain import InvalidCursor, OrderFilters, OrderStatus, SearchOrderNotFound
from tests.search.factories import T0, SearchOrderFactory, line, new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HOUR = timedelta(hours=1)


@pytest.fixture
def mall() -> dict[str, str]:
    """Five orders of two customers across three stores and four products; names -> ids.

    | order | customer | items (product x qty @ price) | total | status    | created |
    | o1    | A        | P1 x1 @10.00                   | 10.00 | pending   | T0      |
    | o2    | A        | P2 x1 @20.00, P3 x1 @5.00      | 25.00 | approved  | T0+1h   |
    | o3    | B        | P3 x3 @5.00                    | 15.00 | ready     | T0+2h   |
    | o4    | B        | P4 x1 @99.99                   | 99.99 | cancelled | T0+3h   |
    | o5    | A        | P4 x1 @0.50                    |  0.50 | completed | T0+4h   |

    P1, P2 are sold by S1, P3 by S2, P4 by S3."""
    ids = {name: new_id() for name in ("A", "B", "S1", "S2", "S3", "P1", "P2", "P3", "P4")}
    store_of = {"P1": "S1", "P2": "S1", "P3": "S2", "P4": "S3"}

    def item(product: str, quantity: int, price: str):
        return line(product_id=ids[product], store_id=ids[store_of[product]], quantity=quantity, price=price)

    orders = [
        ("o1", "A", [item("P1", 1, "10.00")], OrderStatus.PENDING),
        ("o2", "A", [item("P2", 1, "20.00"), item("P3", 1, "5.00")], OrderStatus.APPROVED),
        ("o3", "B", [item("P3", 3, "5.00")], OrderStatus.READY),
        ("o4", "B", [item("P4", 1, "99.99")], OrderStatus.CANCELLED),
        ("o5", "A", [item("P4", 1, "0.50")], OrderStatus.COMPLETED),
    ]
    for hours, (name, customer, items, status) in enumerate(orders):
        ids[name] = SearchOrderFactory(
            customer_id=ids[customer], items=items, status=status, created_at=T0 + hours * HOUR
        ).order_id
    return ids


def found(mall: dict[str, str], **filters) -> list[str]:
    """The names of the orders the filters find, in the results' order."""
    names = {order_id: name for name, order_id in mall.items()}
    page = selectors.search_orders(filters=OrderFilters(**filters), limit=100)
    return [names[order.order_id] for order in page.orders]


def test_no_filter_finds_every_order_newest_first(mall):
    assert found(mall) == ["o5", "o4", "o3", "o2", "o1"]


def test_customer_id_matches_exactly(mall):
    assert found(mall, customer_id=mall["A"]) == ["o5", "o2", "o1"]
    assert found(mall, customer_id=mall["B"]) == ["o4", "o3"]
    assert found(mall, customer_id=mall["A"][:-1]) == []


def test_after_is_inclusive(mall):
    assert found(mall, after=T0 + HOUR) == ["o5", "o4", "o3", "o2"]
    assert found(mall, after=T0 + HOUR + timedelta(microseconds=1)) == ["o5", "o4", "o3"]


def test_before_is_exclusive(mall):
    assert found(mall, before=T0 + HOUR) == ["o1"]
    assert found(mall, before=T0 + HOUR + timedelta(microseconds=1)) == ["o2", "o1"]


def test_after_and_before_are_a_half_open_window(mall):
    assert found(mall, after=T0 + HOUR, before=T0 + 3 * HOUR) == ["o3", "o2"]


@pytest.mark.parametrize(
    ("stores", "expected"),
    [(["S1"], ["o2", "o1"]), (["S2", "S3"], ["o5", "o4", "o3", "o2"]), (["S3", "S3"], ["o5", "o4"])],
)
def test_store_ids_find_orders_with_any_of_them(mall, stores, expected):
    assert found(mall, store_ids=tuple(mall[s] for s in stores)) == expected


@pytest.mark.parametrize(
    ("products", "expected"),
    [(["P3"], ["o3", "o2"]), (["P1", "P4"], ["o5", "o4", "o1"]), (["P2"], ["o2"])],
)
def test_product_ids_find_orders_with_any_of_them(mall, products, expected):
    assert found(mall, product_ids=tuple(mall[p] for p in products)) == expected


def test_unknown_store_or_product_ids_find_nothing(mall):
    assert found(mall, store_ids=(new_id(),)) == []
    assert found(mall, product_ids=(new_id(), mall["S1"])) == []


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"min_total": Decimal("15")}, ["o4", "o3", "o2"]),
        ({"max_total": Decimal("15")}, ["o5", "o3", "o1"]),
        ({"min_total": Decimal("10"), "max_total": Decimal("25")}, ["o3", "o2", "o1"]),
        ({"min_total": Decimal("25"), "max_total": Decimal("25")}, ["o2"]),
        ({"min_total": Decimal("25.01"), "max_total": Decimal("99.98")}, []),
    ],
)
def test_total_bounds_are_inclusive(mall, bounds, expected):
    assert found(mall, **bounds) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [("ready", ["o3"]), ("pending", ["o1"]), ("in-progress", []), ("cancelled", ["o4"])],
)
def test_status_matches_exactly(mall, status, expected):
    assert found(mall, status=status) == expected


def test_every_filter_together_finds_what_each_allows(mall):
    # given
    filters = {
        "customer_id": mall["A"],
        "after": T0,
        "before": T0 + 5 * HOUR,
        "product_ids": (mall["P2"], mall["P4"]),
        "store_ids": (mall["S1"], mall["S3"]),
        "max_total": Decimal("30"),
        "min_total": Decimal("0.50"),
    }
    # when / then
    assert found(mall, **filters) == ["o5", "o2"]
    assert found(mall, **filters, status="completed") == ["o5"]
    assert found(mall, **filters, status="approved") == ["o2"]
    assert found(mall, **{**filters, "customer_id": mall["B"]}) == []


# --- Pagination -----------------------------------------------------------------------------


@pytest.fixture
def orders_45() -> list[str]:
    """45 orders, three at each creation time (the order id breaks the tie), in the results'
    order: newest first, then order id descending."""
    created = [
        (T0 + timedelta(minutes=n // 3), SearchOrderFactory(created_at=T0 + timedelta(minutes=n // 3)))
        for n in range(45)
    ]
    return [order.order_id for _, order in sorted(created, key=lambda c: (c[0], c[1].order_id), reverse=True)]


def pages(limit: int | None, **filters) -> list[list[str]]:
    out, token = [], ""
    while True:
        page = selectors.search_orders(filters=OrderFilters(**filters), next=token, limit=limit)
        out.append([order.order_id for order in page.orders])
        token = page.next
        if not token:
            return out
        assert len(out) < 50, "pagination does not end"


def test_pages_cover_every_order_once_in_order(orders_45):
    # when
    result = pages(10)
    # then
    assert [len(page) for page in result] == [10, 10, 10, 10, 5]
    assert [order_id for page in result for order_id in page] == orders_45


def test_the_default_page_holds_20(orders_45):
    result = pages(None)
    assert [len(page) for page in result] == [20, 20, 5]
    assert [order_id for page in result for order_id in page] == orders_45


def test_a_full_last_page_has_no_next(orders_45):
    result = pages(15)
    assert [len(page) for page in result] == [15, 15, 15]
    assert [order_id for page in result for order_id in page] == orders_45


def test_pages_of_one_walk_the_ties_by_order_id(orders_45):
    result = pages(1)
    assert [order_id for page in result for order_id in page] == orders_45


def test_orders_added_while_paging_do_not_shift_later_pages(orders_45):
    # given the first page
    first = selectors.search_orders(filters=OrderFilters(), limit=10)
    # when a newer order and one tied with the page's last arrive before the next page
    SearchOrderFactory(created_at=T0 + timedelta(hours=1))
    last = first.orders[-1]
    SearchOrderFactory(created_at=last.created_at, order_id=last.order_id + "0")  # sorts after it
    rest = pages_from(first.next, 100)
    # then
    assert [o.order_id for o in first.orders] + rest == orders_45


def pages_from(token: str, limit: int) -> list[str]:
    page = selectors.search_orders(filters=OrderFilters(), next=token, limit=limit)
    assert page.next == ""
    return [order.order_id for order in page.orders]


def test_pagination_with_a_filter_pages_through_its_matches_only():
    # given 12 orders of one customer among 30
    customer_id = new_id()
    mine = [
        SearchOrderFactory(
            customer_id=customer_id if n % 5 < 2 else new_id(), created_at=T0 + timedelta(minutes=n)
        )
        for n in range(30)
    ]
    expected = [o.order_id for o in reversed(mine) if o.customer_id == customer_id]
    # when
    result = pages(5, customer_id=customer_id)
    # then
    assert [len(page) for page in result] == [5, 5, 2]
    assert [order_id for page in result for order_id in page] == expected


def test_a_page_is_one_query(orders_45, django_assert_num_queries):
    first = selectors.search_orders(filters=OrderFilters(), limit=10)
    with django_assert_num_queries(1):
        selectors.search_orders(filters=OrderFilters(status="pending"), next=first.next, limit=10)


def test_a_bad_cursor_is_refused():
    with pytest.raises(InvalidCursor):
        selectors.search_orders(filters=OrderFilters(), next="bogus!")


def test_no_orders_is_an_empty_last_page():
    page = selectors.search_orders(filters=OrderFilters())
    assert (page.orders, page.next) == ([], "")


# --- One order ------------------------------------------------------------------------------


def test_get_answers_the_row_or_not_found():
    # given
    order = SearchOrderFactory()
    # when / then
    assert selectors.search_order_get(order_id=order.order_id) == order
    with pytest.raises(SearchOrderNotFound):
        selectors.search_order_get(order_id=new_id())

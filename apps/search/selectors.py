"""Queries of the search context: the order search with keyset pagination, one order, the
customer cache."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from .domain import Cursor, OrderFilters, SearchOrderNotFound, page_size
from .models import CustomerCache, SearchOrder


@dataclass(frozen=True)
class OrderPage:
    orders: list[SearchOrder]
    next: str  # the cursor of the following page; "" on the last page


def search_order_get(*, order_id: str) -> SearchOrder:
    try:
        return SearchOrder.objects.get(order_id=order_id)
    except SearchOrder.DoesNotExist:
        raise SearchOrderNotFound()


def search_order_list_matching(filters: OrderFilters) -> QuerySet[SearchOrder]:
    """Every order the filters match, newest first (then order id, descending)."""
    orders = SearchOrder.objects.all()
    if filters.customer_id:
        orders = orders.filter(customer_id=filters.customer_id)
    if filters.after is not None:
        orders = orders.filter(created_at__gte=filters.after)
    if filters.before is not None:
        orders = orders.filter(created_at__lt=filters.before)
    if filters.store_ids:
        orders = orders.filter(store_ids__overlap=list(filters.store_ids))
    if filters.product_ids:
        orders = orders.filter(product_ids__overlap=list(filters.product_ids))
    if filters.min_total is not None:
        orders = orders.filter(total__gte=filters.min_total)
    if filters.max_total is not None:
        orders = orders.filter(total__lte=filters.max_total)
    if filters.status:
        orders = orders.filter(status=filters.status)
    return orders.order_by("-created_at", "-order_id")


def search_orders(*, filters: OrderFilters, next: str = "", limit: int | None = None) -> OrderPage:
    """One page of the orders the filters match, after the page `next` points past. Keyset
    pagination: a page costs the same however deep it is, and orders added meanwhile never
    shift a row onto two pages or off all of them."""
    size = page_size(limit)
    orders = search_order_list_matching(filters)
    if next:
        cursor = Cursor.decode(next)
        # (created_at, order_id) < the cursor's. The `<=` bound lets PostgreSQL start its scan of
        # the (created_at, order_id) index at the cursor instead of filtering from the top.
        orders = orders.filter(created_at__lte=cursor.created_at).exclude(
            created_at=cursor.created_at, order_id__gte=cursor.order_id
        )
    rows = list(orders[: size + 1])
    if len(rows) <= size:
        return OrderPage(orders=rows, next="")
    last = rows[size - 1]
    return OrderPage(orders=rows[:size], next=Cursor(last.created_at, last.order_id).encode())


def customer_names(customer_ids: Iterable[str]) -> dict[str, str]:
    """The cached names of these customers, by id (the ones not cached are left out)."""
    return dict(CustomerCache.objects.filter(id__in=set(customer_ids)).values_list("id", "name"))


def search_order_count() -> int:
    return SearchOrder.objects.count()

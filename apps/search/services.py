"""Commands of the search context: the upkeep of the order rows and of the customer cache,
from the ordering and customers contexts' integration events, and their rebuild from the
ordering context's open-host queries. One transaction each."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from mallbots.kernel.uow import command

from . import selectors
from .domain import CENT, OrderLine, OrderStatus, distinct_ids
from .models import CustomerCache, SearchOrder, StatementTime

logger = logging.getLogger(__name__)

# The columns that hold the order's state, which a rebuild rewrites.
STATE_FIELDS = ("customer_id", "customer_name", "items", "product_ids", "store_ids", "total", "status")


# --- Orders, from the ordering context's events ----------------------------------------------


@command
def search_order_add(
    *,
    order_id: str,
    customer_id: str,
    items: Sequence[OrderLine],
    total: Decimal,
    created_at: datetime,
) -> bool:
    """Adds the order (status pending) with its customer's name; True when added. Replayed (a
    rebuild from the stream), it writes the row again from the order's first event: the
    order's later events, replayed after it in order, bring it forward."""
    names = _customer_names({customer_id})
    state = _state(customer_id, names.get(customer_id, ""), items, total, OrderStatus.PENDING)
    updated = SearchOrder.objects.filter(order_id=order_id).update(
        created_at=created_at, updated_at=StatementTime(), **state
    )
    if not updated:
        SearchOrder.objects.create(order_id=order_id, created_at=created_at, **state)
    return not updated


@command
def search_order_change_status(*, order_id: str, status: OrderStatus) -> bool:
    """Sets the order's status; True when set. The order's events arrive in publication order,
    so its row exists unless it was deleted: then nothing is inserted, and it is logged."""
    if SearchOrder.objects.filter(order_id=order_id).update(status=status, updated_at=StatementTime()):
        return True
    logger.warning("order %s: no row to set %s on, skipped", order_id, status)
    return False


# --- Customers, from the customers context's events ------------------------------------------


@command
def customer_cache_add(*, customer_id: str, name: str) -> None:
    """Caches the customer's name and gives it to the customer's orders that have none yet
    (added while neither the cache nor the customers context knew the customer)."""
    _cache_names({customer_id: name})
    SearchOrder.objects.filter(customer_id=customer_id, customer_name="").update(
        customer_name=name, updated_at=StatementTime()
    )


def _customer_names(customer_ids: Collection[str]) -> dict[str, str]:
    """Names from the cache; on a miss, the customers context's answer, cached."""
    names = selectors.customer_names(customer_ids)
    fetched = {}
    for customer_id in sorted(set(customer_ids) - names.keys()):
        info = customers.get_customer(customer_id)
        if info is not None:
            fetched[customer_id] = info.name
    _cache_names(fetched)
    return {**names, **fetched}


def _cache_names(names: dict[str, str]) -> None:
    CustomerCache.objects.bulk_create(
        [CustomerCache(id=customer_id, name=name) for customer_id, name in names.items()],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "updated_at"],
    )


def _state(
    customer_id: str, customer_name: str, items: Iterable[OrderLine], total: Decimal, status: str
) -> dict[str, Any]:
    lines = list(items)
    return {
        "customer_id": customer_id,
        "customer_name": customer_name,
        "items": [line.as_data() for line in lines],
        "product_ids": distinct_ids([line.product_id for line in lines]),
        "store_ids": distinct_ids([line.store_id for line in lines]),
        "total": total.quantize(CENT),
        "status": status,
    }


def order_lines(items: Iterable[ordering.OrderItem]) -> list[OrderLine]:
    return [
        OrderLine(
            product_id=item.product_id,
            store_id=item.store_id,
            product_name=item.product_name,
            store_name=item.store_name,
            price=item.price,
            quantity=item.quantity,
        )
        for item in items
    ]


# --- Rebuild from the ordering context ----------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    order_ids: list[str]  # the orders the ordering context answered, in its order
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # written by a handler while the ordering context was being read


def _database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        moment: datetime = cursor.fetchone()[0]
    return moment


@command
def search_order_refresh(*, order_id: str) -> str:
    """Brings one row to what the ordering context says: "created", "updated", "unchanged",
    "skipped", or "deleted" when ordering no longer has the order ("missing": nowhere)."""
    started = _database_now()
    info = ordering.get_order(order_id)
    if info is None:
        return "deleted" if SearchOrder.objects.filter(order_id=order_id).delete()[0] else "missing"
    result = _sync([info], started)
    return next(k for k in ("created", "updated", "unchanged", "skipped") if getattr(result, k))


def _sync(orders: Sequence[ordering.OrderInfo], started: datetime) -> SyncResult:
    """Writes the orders over their rows. A row written since `started` (before ordering was
    read) is left alone: its writer, a handler, may have applied a newer event than the read
    saw; the handlers of later events bring the row forward in any case."""
    names = _customer_names({info.customer_id for info in orders})
    rows = SearchOrder.objects.select_for_update().in_bulk([info.id for info in orders])
    new, changed, unchanged, skipped = [], [], 0, 0
    for info in orders:
        state = _state(
            info.customer_id,
            names.get(info.customer_id, ""),
            order_lines(info.items),
            info.total,
            info.status,
        )
        row = rows.get(info.id)
        if row is None:
            new.append(SearchOrder(order_id=info.id, created_at=info.created_at, **state))
        elif row.updated_at > started:
            skipped += 1
        else:
            # A name the customers context cannot give (any more) does not blank a known one.
            state["customer_name"] = state["customer_name"] or row.customer_name
            if all(getattr(row, key) == value for key, value in state.items()):
                unchanged += 1
                continue
            for key, value in state.items():
                setattr(row, key, value)
            row.updated_at = StatementTime()
            changed.append(row)
    SearchOrder.objects.bulk_create(new, ignore_conflicts=True)
    SearchOrder.objects.bulk_update(changed, [*STATE_FIELDS, "updated_at"])
    return SyncResult(
        order_ids=[info.id for info in orders],
        created=len(new),
        updated=len(changed),
        unchanged=unchanged,
        skipped=skipped,
    )

"""The search context's model: the statuses an order goes through, the lines of a searched
order, the filters of a search and the keyset cursor that pages through its results. Search
is a read side: nothing here records events; the rules are those of a valid query."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mallbots.kernel.ddd import InvalidArgument, NotFound

CENT = Decimal("0.01")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class OrderStatus(StrEnum):
    """The ordering context's statuses, spelled as the original spelled them."""

    PENDING = "pending"
    REJECTED = "rejected"
    APPROVED = "approved"
    IN_PROGRESS = "in-progress"
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


STATUSES = tuple(status.value for status in OrderStatus)


class SearchOrderNotFound(NotFound):
    default_message = "the order was not found"


class InvalidSearch(InvalidArgument):
    """A search whose filters, cursor or limit cannot be applied. `details` names the field."""

    default_message = "the search is not valid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, details=[{"field": field, "description": message}])


class InvalidCursor(InvalidSearch):
    def __init__(self) -> None:
        super().__init__("next", "the next cursor is not valid: pass the `next` of the previous page")


@dataclass(frozen=True)
class OrderLine:
    """One item of an order as search keeps it: names copied when the order was placed."""

    product_id: str
    store_id: str
    product_name: str
    store_name: str
    price: Decimal
    quantity: int

    def as_data(self) -> dict[str, Any]:
        """The stored (and wire) form: camelCase keys, the price as a decimal string."""
        return {
            "productId": self.product_id,
            "storeId": self.store_id,
            "productName": self.product_name,
            "storeName": self.store_name,
            "price": str(self.price.quantize(CENT)),
            "quantity": self.quantity,
        }


def distinct_ids(values: list[str] | tuple[str, ...]) -> list[str]:
    """Sorted, without duplicates: what the product and store id arrays hold."""
    return sorted(set(values))


@dataclass(frozen=True)
class OrderFilters:
    """Every filter of the original's search request; an unset filter matches every order.

    - `customer_id`, `status`: exact.
    - `after` (inclusive) and `before` (exclusive) bound the order's creation time, so that
      consecutive windows neither overlap nor leave a gap.
    - `store_ids`, `product_ids`: orders containing ANY of them.
    - `min_total`, `max_total`: inclusive bounds of the order total."""

    customer_id: str = ""
    after: datetime | None = None
    before: datetime | None = None
    store_ids: tuple[str, ...] = field(default=())
    product_ids: tuple[str, ...] = field(default=())
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    status: str = ""

    def __post_init__(self) -> None:
        for name in ("after", "before"):
            moment: datetime | None = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise InvalidSearch(f"filters.{name}", f"{name} must carry a time zone offset (RFC 3339)")
        if self.after is not None and self.before is not None and self.after >= self.before:
            raise InvalidSearch("filters.after", "after must be earlier than before")
        for name in ("min_total", "max_total"):
            bound: Decimal | None = getattr(self, name)
            if bound is not None and bound < 0:
                raise InvalidSearch(f"filters.{_camel(name)}", f"{_camel(name)} cannot be negative")
        if self.min_total is not None and self.max_total is not None and self.min_total > self.max_total:
            raise InvalidSearch("filters.minTotal", "minTotal cannot be greater than maxTotal")
        if self.status and self.status not in STATUSES:
            raise InvalidSearch("filters.status", f"the status must be one of: {', '.join(STATUSES)}")
        for name in ("store_ids", "product_ids"):
            if any(not value.strip() for value in getattr(self, name)):
                raise InvalidSearch(f"filters.{_camel(name)}", f"{_camel(name)} cannot contain a blank id")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def page_size(limit: int | None) -> int:
    """The number of orders a page holds: 0 or None (unset, as in the original's protobuf
    request) means the default."""
    if not limit:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidSearch("limit", f"limit must be between 1 and {MAX_LIMIT}")
    return limit


@dataclass(frozen=True)
class Cursor:
    """Where a page ended, in the results' order (newest first, then order id descending).
    On the wire an opaque token: base64 (URL-safe, unpadded) of a JSON pair."""

    created_at: datetime
    order_id: str

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.order_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
            created_at, order_id = json.loads(raw.decode())
            moment = datetime.fromisoformat(created_at)
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
            raise InvalidCursor()
        if moment.utcoffset() is None or not isinstance(order_id, str) or not order_id:
            raise InvalidCursor()
        return cls(created_at=moment, order_id=order_id)

"""Wire format of the search API: the original's camelCase names and shapes, money as JSON
numbers, `quantity` as a JSON integer (the original's int64 rendered as a string). OpenAPI
component names are the original's definitions, prefixed `searchpb` where the original's were
bare, which keeps them apart from other contexts' components."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Integer, Money, Text, Uuid

from ..domain import MAX_LIMIT, STATUSES

MAX_IDS = 100


# The digits of a fraction of a second beyond the microseconds PostgreSQL keeps.
SUB_MICROSECONDS = re.compile(r"\.\d{6}(\d+)")


@extend_schema_field(OpenApiTypes.DATETIME)
class Rfc3339Field(serializers.Field):
    """An RFC 3339 date-time with its time zone offset (`2024-05-01T10:00:00Z`,
    `2024-05-01T12:00:00.5+02:00`). Times are kept to the microsecond: a finer one (Go sends
    nanoseconds) is rounded up, which keeps `>= after` and `< before` exact."""

    default_error_messages = {
        "invalid": "must be an RFC 3339 date-time with a time zone offset, e.g. 2024-05-01T10:00:00Z"
    }

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            moment = datetime.fromisoformat(data.strip())
        except ValueError:
            self.fail("invalid")
        if moment.utcoffset() is None:
            self.fail("invalid")
        finer = SUB_MICROSECONDS.search(data)
        if finer and finer.group(1).strip("0"):
            moment += timedelta(microseconds=1)
        return moment

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


# A plain string, as in the original's definitions. (An enum would be named after the field,
# "StatusEnum", and collide with the other contexts' status enums in the one schema.)
@extend_schema_field(
    {"type": "string", "description": f"One of: {', '.join(STATUSES)}; empty or absent: any status."}
)
class StatusFilterField(serializers.ChoiceField):
    pass


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(STATUSES)}."})
class StatusField(serializers.ChoiceField):
    pass


def _ids_field(source: str) -> serializers.ListField:
    return serializers.ListField(
        child=Uuid(),
        source=source,
        required=False,
        allow_null=True,
        max_length=MAX_IDS,
        help_text=f"Orders containing ANY of these (at most {MAX_IDS}).",
    )


def _total_field(source: str, help_text: str) -> Money:
    return Money(
        source=source, max_digits=limits.MONEY_DIGITS, required=False, allow_null=True, help_text=help_text
    )


# --- Requests -------------------------------------------------------------------------------


class SearchOrdersRequestFiltersSerializer(serializers.Serializer):
    customerId = Uuid(source="customer_id", required=False, allow_blank=True, allow_null=True)
    after = Rfc3339Field(
        required=False, allow_null=True, help_text="Orders created at or after this time (inclusive)."
    )
    before = Rfc3339Field(
        required=False, allow_null=True, help_text="Orders created before this time (exclusive)."
    )
    storeIds = _ids_field("store_ids")
    productIds = _ids_field("product_ids")
    minTotal = _total_field("min_total", "Inclusive; 0 or absent: no lower bound.")
    maxTotal = _total_field("max_total", "Inclusive; 0 or absent: no upper bound (as in the original).")
    status = StatusFilterField(
        choices=STATUSES,
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages={"invalid_choice": f"the status must be one of: {', '.join(STATUSES)}"},
    )

    class Meta:
        ref_name = "searchpbSearchOrdersFilters"


class SearchOrdersRequestSerializer(serializers.Serializer):
    filters = SearchOrdersRequestFiltersSerializer(required=False, allow_null=True)
    next = Text(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=1000,
        help_text="The `next` of the previous page; empty or absent for the first page.",
    )
    limit = Integer(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_LIMIT,
        help_text=f"Orders per page: 1 to {MAX_LIMIT}; 0 or absent: 20.",
    )

    class Meta:
        ref_name = "searchpbSearchOrders"


# --- Responses ------------------------------------------------------------------------------


class OrderItemSerializer(serializers.Serializer):
    # The stored items already have the wire's keys.
    productId = serializers.CharField()
    storeId = serializers.CharField()
    productName = serializers.CharField()
    storeName = serializers.CharField()
    price = Money()
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "searchpbOrderItem"


class OrderSerializer(serializers.Serializer):
    orderId = serializers.CharField(source="order_id")
    customerId = serializers.CharField(source="customer_id")
    customerName = serializers.CharField(source="customer_name")
    items = OrderItemSerializer(many=True)
    total = Money()
    status = StatusField(choices=STATUSES)

    class Meta:
        ref_name = "searchpbOrder"


class SearchOrdersResponseSerializer(serializers.Serializer):
    orders = OrderSerializer(many=True)
    next = serializers.CharField(help_text="The cursor of the following page; empty on the last page.")

    class Meta:
        ref_name = "searchpbSearchOrdersResponse"


class GetOrderResponseSerializer(serializers.Serializer):
    order = OrderSerializer(source="*")

    class Meta:
        ref_name = "searchpbGetOrderResponse"

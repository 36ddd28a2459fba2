"""Wire format of the ordering API: the camelCase names of the original, money as JSON numbers.
OpenAPI component names are the original's definitions (orderingpb...), which also keeps them
apart from other contexts' components."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Integer, Money, Text, Uuid

from ..models import Order

INT32_MIN = -(2**31)


def _id_field(**kwargs: Any) -> serializers.Field:
    """A UUID; with a default, a blank or missing one is answered by the domain's message."""
    field = Uuid(**kwargs)
    return field


# --- Requests -------------------------------------------------------------------------------


class ItemRequestSerializer(serializers.Serializer):
    storeId = _id_field(source="store_id")
    productId = _id_field(source="product_id")
    storeName = Text(source="store_name", required=False, allow_blank=True, default="")
    productName = Text(source="product_name", required=False, allow_blank=True, default="")
    # Zero and negative values reach the domain, which answers them with its own messages.
    price = Money(max_digits=limits.MONEY_DIGITS)
    quantity = Integer(min_value=INT32_MIN, max_value=limits.QUANTITY_MAX)

    class Meta:
        ref_name = "orderingpbItemRequest"


class CreateOrderRequestSerializer(serializers.Serializer):
    # Absent or blank: the domain answers "create order command: ... cannot be blank" or
    # "... has no items", as the original.
    # The list serializer `many=True` makes, spelled out: the stubs do not know that it
    # takes max_length.
    items: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ItemRequestSerializer(), required=False, default=list, max_length=limits.LINES_MAX
    )
    customerId = _id_field(source="customer_id", required=False, allow_blank=True, default="")
    paymentId = _id_field(source="payment_id", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "orderingpbCreateOrderRequest"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("items", "customerId", "paymentId")


# --- Responses ------------------------------------------------------------------------------


class CreateOrderResponseSerializer(serializers.Serializer):
    id = serializers.CharField()

    class Meta:
        ref_name = "orderingpbCreateOrderResponse"


class ItemSerializer(serializers.Serializer):
    storeId = serializers.CharField(source="store_id")
    productId = serializers.CharField(source="product_id")
    storeName = serializers.CharField(source="store_name")
    productName = serializers.CharField(source="product_name")
    price = Money()
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "orderingpbItem"


class OrderSerializer(serializers.Serializer):
    id = serializers.CharField()
    customerId = serializers.CharField(source="customer_id")
    paymentId = serializers.CharField(source="payment_id")
    items = ItemSerializer(many=True)
    status = serializers.ChoiceField(choices=Order.Status.values)
    shoppingId = serializers.CharField(source="shopping_id")
    invoiceId = serializers.CharField(source="invoice_id")
    total = Money()

    class Meta:
        ref_name = "orderingpbOrder"


class GetOrderResponseSerializer(serializers.Serializer):
    order = OrderSerializer(source="*")

    class Meta:
        ref_name = "orderingpbGetOrderResponse"

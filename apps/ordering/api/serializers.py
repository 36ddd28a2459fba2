"""Wire format of the ordering API: the camelCase names of the original, money as JSON numbers.
OpenAPI component names are the original's definitions (orderingpb...), which also keeps them
apart from other contexts' components."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mallbots.web.api import Money

from ..models import Order

INT32_MAX = 2**31 - 1
ID_MAX_LENGTH = 64


def _id_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=ID_MAX_LENGTH, **kwargs)


# --- Requests -------------------------------------------------------------------------------


class ItemRequestSerializer(serializers.Serializer):
    storeId = _id_field(source="store_id")
    productId = _id_field(source="product_id")
    storeName = serializers.CharField(source="store_name", required=False, allow_blank=True, default="")
    productName = serializers.CharField(source="product_name", required=False, allow_blank=True, default="")
    # Zero and negative values reach the domain, which answers them with its own messages.
    price = Money()
    quantity = serializers.IntegerField(min_value=-INT32_MAX - 1, max_value=INT32_MAX)

    class Meta:
        ref_name = "orderingpbItemRequest"


class CreateOrderRequestSerializer(serializers.Serializer):
    # Absent or blank: the domain answers "create order command: ... cannot be blank" or
    # "... has no items", as the original.
    items = ItemRequestSerializer(many=True, required=False, default=list)
    customerId = _id_field(source="customer_id", required=False, allow_blank=True, default="")
    paymentId = _id_field(source="payment_id", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "orderingpbCreateOrderRequest"


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

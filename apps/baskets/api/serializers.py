"""Wire format of the baskets API: the camelCase names of the original, money as JSON
numbers. OpenAPI component names are the original's definitions (basketspb...), which also
keeps them apart from other contexts' components."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Integer, Money, Uuid

from ..models import Basket

INT32_MIN = -(2**31)


def _id_field(**kwargs: Any) -> serializers.Field:
    """A UUID; with a default, a blank or missing one is answered by the domain's message."""
    field = Uuid(**kwargs)
    return field


def _quantity_field() -> Integer:
    # At most QUANTITY_MAX; the domain answers 0 and negatives with its own messages.
    return Integer(min_value=INT32_MIN, max_value=limits.QUANTITY_MAX)


# --- Requests -------------------------------------------------------------------------------


class StartBasketRequestSerializer(serializers.Serializer):
    # Blank or absent: the domain answers "the customer id cannot be blank", as the original.
    customerId = _id_field(source="customer_id", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "basketspbStartBasket"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("customerId",)


class CheckoutBasketRequestSerializer(serializers.Serializer):
    paymentId = _id_field(source="payment_id", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "basketspbCheckoutBasket"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("paymentId",)


class ItemQuantityRequestSerializer(serializers.Serializer):
    """The body of addItem and removeItem."""

    productId = _id_field(source="product_id")
    quantity = _quantity_field()

    class Meta:
        ref_name = "basketspbItemQuantity"


# --- Responses ------------------------------------------------------------------------------


class StartBasketResponseSerializer(serializers.Serializer):
    id = serializers.CharField()

    class Meta:
        ref_name = "basketspbStartBasketResponse"


class ItemSerializer(serializers.Serializer):
    storeId = serializers.CharField(source="store_id")
    productId = serializers.CharField(source="product_id")
    storeName = serializers.CharField(source="store_name")
    productName = serializers.CharField(source="product_name")
    productPrice = Money(source="price")
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "basketspbItem"


class BasketSerializer(serializers.Serializer):
    id = serializers.CharField()
    items = ItemSerializer(many=True)
    customerId = serializers.CharField(source="customer_id")
    paymentId = serializers.CharField(source="payment_id")
    status = serializers.ChoiceField(choices=Basket.Status.values)

    class Meta:
        ref_name = "basketspbBasket"


class GetBasketResponseSerializer(serializers.Serializer):
    basket = BasketSerializer(source="*")

    class Meta:
        ref_name = "basketspbGetBasketResponse"

"""Wire format of the baskets API: the camelCase names of the original, money as JSON
numbers. OpenAPI component names are the original's definitions (basketspb...), which also
keeps them apart from other contexts' components."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mallbots.web.api import Money

from ..models import Basket

INT32_MAX = 2**31 - 1
ID_MAX_LENGTH = 64


def _id_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=ID_MAX_LENGTH, **kwargs)


def _quantity_field() -> serializers.IntegerField:
    # An int32, as in the original; the domain answers 0 and negatives with its own messages.
    return serializers.IntegerField(min_value=-INT32_MAX - 1, max_value=INT32_MAX)


# --- Requests -------------------------------------------------------------------------------


class StartBasketRequestSerializer(serializers.Serializer):
    # Blank or absent: the domain answers "the customer id cannot be blank", as the original.
    customerId = _id_field(source="customer_id", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "basketspbStartBasket"


class CheckoutBasketRequestSerializer(serializers.Serializer):
    paymentId = _id_field(source="payment_id", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "basketspbCheckoutBasket"


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

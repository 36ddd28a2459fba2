"""Wire format of the stores API: the original's camelCase field names. Component names are
the original's definitions (storespb...), which also keeps them apart from other contexts'."""

from __future__ import annotations

from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Money, Text


def price_field() -> Money:
    """A product price: a number of at most 9,999,999.99 with two decimals, as the catalog
    stores it. Negative prices pass here, so that the domain answers with the original's
    message."""
    return Money(max_digits=limits.MONEY_DIGITS)


def name_field() -> Text:
    """Required in the schema; a missing or blank name is answered by the domain."""
    return Text(required=False, allow_blank=True, default="")


def optional_text(max_length: int = limits.NAME_MAX_LENGTH) -> Text:
    return Text(max_length=max_length, required=False, allow_blank=True, default="")


# --- Requests -------------------------------------------------------------------------------
# Text fields default to "" as the original's protobuf fields did, so a missing or blank name
# is answered by the domain with the original's message.


class CreateStoreRequestSerializer(serializers.Serializer):
    name = name_field()
    location = name_field()

    class Meta:
        ref_name = "storespbCreateStore"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("name", "location")


class RebrandStoreRequestSerializer(serializers.Serializer):
    name = name_field()

    class Meta:
        ref_name = "storespbRebrandStore"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("name",)


class AddProductRequestSerializer(serializers.Serializer):
    name = name_field()
    description = optional_text(limits.DESCRIPTION_MAX_LENGTH)
    sku = optional_text()
    price = price_field()

    class Meta:
        ref_name = "storespbAddProduct"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("name", "price")


class RebrandProductRequestSerializer(serializers.Serializer):
    name = name_field()
    description = optional_text(limits.DESCRIPTION_MAX_LENGTH)

    class Meta:
        ref_name = "storespbRebrandProduct"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("name",)


class ChangeProductPriceRequestSerializer(serializers.Serializer):
    """The new price (not a difference), for both increasePrice and decreasePrice."""

    price = price_field()

    class Meta:
        ref_name = "storespbChangeProductPrice"


# --- Responses ------------------------------------------------------------------------------


class StoreSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    location = serializers.CharField()
    participating = serializers.BooleanField()

    class Meta:
        ref_name = "storespbStore"


class ProductSerializer(serializers.Serializer):
    id = serializers.CharField()
    storeId = serializers.CharField(source="store_id")
    name = serializers.CharField()
    description = serializers.CharField()
    sku = serializers.CharField()
    price = Money()

    class Meta:
        ref_name = "storespbProduct"


class IdResponseSerializer(serializers.Serializer):
    id = serializers.CharField()

    class Meta:
        ref_name = "storespbIdResponse"


class GetStoreResponseSerializer(serializers.Serializer):
    store = StoreSerializer()

    class Meta:
        ref_name = "storespbGetStoreResponse"


class GetStoresResponseSerializer(serializers.Serializer):
    stores = StoreSerializer(many=True)

    class Meta:
        ref_name = "storespbGetStoresResponse"


class GetProductResponseSerializer(serializers.Serializer):
    product = ProductSerializer()

    class Meta:
        ref_name = "storespbGetProductResponse"


class GetCatalogResponseSerializer(serializers.Serializer):
    products = ProductSerializer(many=True)

    class Meta:
        ref_name = "storespbGetCatalogResponse"

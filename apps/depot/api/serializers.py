"""Wire format of the depot API: the original's camelCase field names, and its definition names
(depotpb...) as component names, which also keeps them apart from other contexts'."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Integer, Text, Uuid

from ..models import ShoppingList

# --- Requests -------------------------------------------------------------------------------


class OrderItemSerializer(serializers.Serializer):
    productId = Uuid(source="product_id")
    storeId = Uuid(source="store_id")
    quantity = Integer(min_value=1, max_value=limits.QUANTITY_MAX)

    class Meta:
        ref_name = "depotpbOrderItem"


class CreateShoppingListRequestSerializer(serializers.Serializer):
    # A missing or blank order id, or no items, is answered by the domain with its message.
    orderId = Uuid(source="order_id", required=False, allow_blank=True, default="")
    # The list serializer `many=True` makes, spelled out: the stubs do not know that it
    # takes max_length.
    items: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=OrderItemSerializer(), required=False, default=list, max_length=limits.LINES_MAX
    )

    class Meta:
        ref_name = "depotpbCreateShoppingListRequest"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("orderId", "items")


class AssignShoppingListRequestSerializer(serializers.Serializer):
    botId = Uuid(source="bot_id")

    class Meta:
        ref_name = "depotpbAssignShoppingListRequest"


class ShoppingListQuerySerializer(serializers.Serializer):
    orderId = Uuid(source="order_id", required=False, help_text="Only the list of this order.")
    status = serializers.ChoiceField(
        choices=ShoppingList.Status.choices,
        required=False,
        help_text="Only the lists in this status, e.g. `available`: the lists waiting for a bot.",
    )

    class Meta:
        ref_name = "depotpbGetShoppingListsQuery"


class CreateBotRequestSerializer(serializers.Serializer):
    name = Text(required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "depotpbCreateBotRequest"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("name",)


# --- Responses ------------------------------------------------------------------------------


class IdResponseSerializer(serializers.Serializer):
    id = serializers.CharField()

    class Meta:
        ref_name = "depotpbIdResponse"


class ItemSerializer(serializers.Serializer):
    productId = serializers.CharField(source="product_id")
    productName = serializers.CharField(source="product_name")
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "depotpbItem"


class StopSerializer(serializers.Serializer):
    storeId = serializers.CharField(source="store_id")
    storeName = serializers.CharField(source="store_name")
    storeLocation = serializers.CharField(source="store_location")
    items = ItemSerializer(many=True)

    class Meta:
        ref_name = "depotpbStop"


class ShoppingListSerializer(serializers.Serializer):
    id = serializers.CharField()
    orderId = serializers.CharField(source="order_id")
    # Plain strings in the schema: an enum named "status" would collide with other contexts'.
    status = serializers.CharField(help_text="pending, available, assigned, active, completed or canceled")
    assignedBotId = serializers.CharField(source="assigned_bot_id")
    stops = StopSerializer(many=True)

    class Meta:
        ref_name = "depotpbShoppingList"


class GetShoppingListResponseSerializer(serializers.Serializer):
    shoppingList = ShoppingListSerializer()

    class Meta:
        ref_name = "depotpbGetShoppingListResponse"


class GetShoppingListsResponseSerializer(serializers.Serializer):
    shoppingLists = ShoppingListSerializer(many=True)

    class Meta:
        ref_name = "depotpbGetShoppingListsResponse"


class BotSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="idle or active")

    class Meta:
        ref_name = "depotpbBot"


class GetBotsResponseSerializer(serializers.Serializer):
    bots = BotSerializer(many=True)

    class Meta:
        ref_name = "depotpbGetBotsResponse"

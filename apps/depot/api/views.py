"""The depot REST API, wire-compatible with the original "Depot Operations" API (cancel is a
POST, as there; "ccompleteShoppingList" keeps the original's operation id), plus reading
shopping lists and running bots. One class per operation; where two operations share a path,
a class per path combines them (Django routes a path to one view).

Commands on a list run under the list's order id as correlation id, so they join the order's
history with the saga's messages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.web.api import EMPTY_RESPONSE, EmptySerializer, PermissionRequiredAPIView

from .. import selectors, services
from ..domain import OrderLine
from . import serializers

TAGS = ["ShoppingList"]
BOT_TAGS = ["Bot"]


def _valid(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _order_of(shopping_list_id: str) -> str:
    """The order id of the list (404 for an unknown list): the correlation id of its commands."""
    return selectors.shopping_list_get(shopping_list_id=shopping_list_id).order_id


# --- Shopping lists -------------------------------------------------------------------------


class ShoppingListCreateApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "depot.add_shoppinglist"}

    @extend_schema(
        operation_id="createShoppingList",
        summary="Schedule shopping tasks for an order",
        tags=TAGS,
        request=serializers.CreateShoppingListRequestSerializer,
        responses={200: serializers.IdResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """A pending list for the order: one stop per store, quantities of a product summed.
        404 for a product no longer sold or an unknown store; the order's existing list's id
        when it already has one."""
        data = _valid(serializers.CreateShoppingListRequestSerializer, request.data)
        items = [OrderLine(i["product_id"], i["store_id"], i["quantity"]) for i in data["items"]]
        with message_context.use(correlation_id=data["order_id"] or None):
            shopping_list_id = services.shopping_list_create(order_id=data["order_id"], items=items)
        return Response({"id": shopping_list_id})


class ShoppingListListApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "depot.view_shoppinglist"}

    @extend_schema(
        operation_id="getShoppingLists",
        summary="Get shopping lists, of one order or in one status",
        tags=TAGS,
        parameters=[serializers.ShoppingListQuerySerializer],
        responses={200: serializers.GetShoppingListsResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        """Oldest first; `status=available` gives the lists waiting for a bot."""
        query = _valid(serializers.ShoppingListQuerySerializer, request.query_params)
        lists = selectors.shopping_list_list(order_id=query.get("order_id"), status=query.get("status"))
        return Response(serializers.GetShoppingListsResponseSerializer({"shoppingLists": lists}).data)


class ShoppingListsApi(ShoppingListListApi, ShoppingListCreateApi):
    required_permissions = {
        **ShoppingListListApi.required_permissions,
        **ShoppingListCreateApi.required_permissions,
    }


class ShoppingListDetailApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "depot.view_shoppinglist"}

    @extend_schema(
        operation_id="getShoppingList",
        summary="Get a shopping list",
        tags=TAGS,
        responses={200: serializers.GetShoppingListResponseSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        """404 when there is no such list."""
        shopping_list = selectors.shopping_list_get(shopping_list_id=id)
        return Response(serializers.GetShoppingListResponseSerializer({"shoppingList": shopping_list}).data)


class ShoppingListCancelApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "depot.change_shoppinglist"}

    @extend_schema(
        operation_id="cancelShoppingList",
        summary="Cancel a shopping task",
        tags=TAGS,
        request=EmptySerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def post(self, request: Request, id: str) -> Response:
        """Cancels a list not completed yet; its bot is idle again. The body may be `{}` or empty."""
        with message_context.use(correlation_id=_order_of(id)):
            services.shopping_list_cancel(shopping_list_id=id)
        return Response({})


class ShoppingListApi(ShoppingListDetailApi, ShoppingListCancelApi):
    required_permissions = {
        **ShoppingListDetailApi.required_permissions,
        **ShoppingListCancelApi.required_permissions,
    }


class ShoppingListAssignApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "depot.change_shoppinglist"}

    @extend_schema(
        operation_id="assignShoppingList",
        summary="Assign a shopping list to a bot",
        tags=TAGS,
        request=serializers.AssignShoppingListRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """An available list to an idle bot: the list is assigned, the bot active."""
        data = _valid(serializers.AssignShoppingListRequestSerializer, request.data)
        with message_context.use(correlation_id=_order_of(id)):
            services.shopping_list_assign(shopping_list_id=id, bot_id=data["bot_id"])
        return Response({})


class ShoppingListCompleteApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "depot.change_shoppinglist"}

    @extend_schema(
        operation_id="ccompleteShoppingList",
        summary="Complete a shopping task",
        tags=TAGS,
        request=EmptySerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """An assigned or active list is completed; its bot is idle again. The body may be `{}`
        or empty."""
        with message_context.use(correlation_id=_order_of(id)):
            services.shopping_list_complete(shopping_list_id=id)
        return Response({})


# --- Bots -----------------------------------------------------------------------------------


class BotCreateApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "depot.add_bot"}

    @extend_schema(
        operation_id="createBot",
        summary="Add a bot to the depot",
        tags=BOT_TAGS,
        request=serializers.CreateBotRequestSerializer,
        responses={200: serializers.IdResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """A new idle bot; answers its id. 400 for a blank name."""
        data = _valid(serializers.CreateBotRequestSerializer, request.data)
        return Response({"id": services.bot_create(name=data["name"])})


class BotListApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "depot.view_bot"}

    @extend_schema(
        operation_id="getBots",
        summary="Get the depot's bots",
        tags=BOT_TAGS,
        responses={200: serializers.GetBotsResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        """Every bot, by name, with its status (idle or active)."""
        return Response(serializers.GetBotsResponseSerializer({"bots": selectors.bot_list()}).data)


class BotsApi(BotListApi, BotCreateApi):
    required_permissions = {**BotListApi.required_permissions, **BotCreateApi.required_permissions}

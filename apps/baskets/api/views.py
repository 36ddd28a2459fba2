"""The baskets API, wire-compatible with the original "Shopping Baskets" API: one class per
operation, except where two operations share a path (Django routes a path to one view); one
service or selector call each."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.web.api import EMPTY_RESPONSE, PermissionRequiredAPIView

from .. import selectors, services
from . import serializers

TAGS = ["Basket"]
ITEM_TAGS = ["Item"]


class BasketStartApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "baskets.add_basket"}

    @extend_schema(
        operation_id="startBasket",
        summary="Start a new shopping basket",
        tags=TAGS,
        request=serializers.StartBasketRequestSerializer,
        responses={200: serializers.StartBasketResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """A new open basket for the customer. Answers its id."""
        data = serializers.StartBasketRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        basket_id = services.basket_start(**data.validated_data)
        return Response({"id": basket_id})


class BasketApi(PermissionRequiredAPIView):
    # getBasket and cancelBasket share a path, and Django routes a path to one view.

    required_permissions = {"GET": "baskets.view_basket", "DELETE": "baskets.delete_basket"}

    @extend_schema(
        operation_id="getBasket",
        summary="Get a basket",
        tags=TAGS,
        responses={200: serializers.GetBasketResponseSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        """The basket with its items, its customer, its payment (once checked out) and its status."""
        basket = selectors.basket_get(basket_id=id)
        return Response(serializers.GetBasketResponseSerializer(basket).data)

    @extend_schema(
        operation_id="cancelBasket",
        summary="Cancel a shopping basket",
        tags=TAGS,
        request=None,
        responses={200: EMPTY_RESPONSE},
    )
    def delete(self, request: Request, id: str) -> Response:
        """Cancels an open basket; its items are dropped."""
        services.basket_cancel(basket_id=id)
        return Response({})


class BasketCheckoutApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "baskets.change_basket"}

    @extend_schema(
        operation_id="checkoutBasket",
        summary="Checkout with a shopping basket",
        tags=TAGS,
        request=serializers.CheckoutBasketRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """Checks an open basket with items out with the payment: the order is created from it."""
        data = serializers.CheckoutBasketRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.basket_checkout(basket_id=id, **data.validated_data)
        return Response({})


class BasketAddItemApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "baskets.change_basket"}

    @extend_schema(
        operation_id="addItem",
        summary="Add or add quantity to an item in the shopping basket",
        tags=ITEM_TAGS,
        request=serializers.ItemQuantityRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """Adds the product (at its current price) or, when it is already in the basket, adds to
        its quantity."""
        data = serializers.ItemQuantityRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.basket_add_item(basket_id=id, **data.validated_data)
        return Response({})


class BasketRemoveItemApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "baskets.change_basket"}

    @extend_schema(
        operation_id="removeItem",
        summary="Remove or remove quantity to an item in the shopping basket",
        tags=ITEM_TAGS,
        request=serializers.ItemQuantityRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """Takes the quantity off the product's line; the line goes when nothing is left of it."""
        data = serializers.ItemQuantityRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.basket_remove_item(basket_id=id, **data.validated_data)
        return Response({})

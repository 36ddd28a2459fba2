"""The ordering API, wire-compatible with the original "Order Processing" API: one class per
operation, except where two operations share a path (Django routes a path to one view); one
service or selector call each. Commands on an order run under its id as correlation id."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.web.api import EMPTY_RESPONSE, PermissionRequiredAPIView

from .. import selectors, services
from ..domain import Item
from . import serializers

TAGS = ["Order"]


class OrderCreateApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "ordering.add_order"}

    @extend_schema(
        operation_id="createOrder",
        summary="Start a new order",
        tags=TAGS,
        request=serializers.CreateOrderRequestSerializer,
        responses={200: serializers.CreateOrderResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """A new pending order with the given items, which starts the create-order saga.
        Answers its id."""
        data = serializers.CreateOrderRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_id = str(uuid.uuid4())
        with message_context.use(correlation_id=order_id):
            services.order_create(
                order_id=order_id,
                customer_id=data.validated_data["customer_id"],
                payment_id=data.validated_data["payment_id"],
                items=[Item(**item) for item in data.validated_data["items"]],
            )
        return Response({"id": order_id})


class OrderApi(PermissionRequiredAPIView):
    # getOrder and cancelOrder share a path, and Django routes a path to one view.

    required_permissions = {"GET": "ordering.view_order", "DELETE": "ordering.delete_order"}

    @extend_schema(
        operation_id="getOrder",
        summary="Get an order",
        tags=TAGS,
        responses={200: serializers.GetOrderResponseSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        """The order with its items, status, total, and its shopping list and invoice once
        it has them."""
        order = selectors.order_get(order_id=id)
        return Response(serializers.GetOrderResponseSerializer(order).data)

    @extend_schema(
        operation_id="cancelOrder",
        summary="Cancel an order",
        tags=TAGS,
        request=None,
        responses={200: EMPTY_RESPONSE},
    )
    def delete(self, request: Request, id: str) -> Response:
        """Cancels a pending or approved order: its shopping list and any pending invoice are
        canceled in turn."""
        with message_context.use(correlation_id=id):
            services.order_cancel(order_id=id)
        return Response({})

"""The search API, wire-compatible with the original "Search" API: one class per operation,
one selector call each. Searching is reading orders: both need `search.view_searchorder`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.web.api import PermissionRequiredAPIView

from .. import selectors
from ..domain import OrderFilters
from . import serializers


def _filters(data: dict[str, Any] | None) -> OrderFilters:
    """The request's filters. As in the original's protobuf request, an empty or zero value
    is no filter (a total bound of 0 included)."""
    data = data or {}
    return OrderFilters(
        customer_id=data.get("customer_id") or "",
        after=data.get("after"),
        before=data.get("before"),
        store_ids=tuple(data.get("store_ids") or ()),
        product_ids=tuple(data.get("product_ids") or ()),
        min_total=data.get("min_total") or None,
        max_total=data.get("max_total") or None,
        status=data.get("status") or "",
    )


class SearchOrdersApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "search.view_searchorder"}

    @extend_schema(
        operation_id="searchOrders",
        summary="Search for orders",
        tags=["Orders"],
        request=serializers.SearchOrdersRequestSerializer,
        responses={200: serializers.SearchOrdersResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """The orders matching every given filter, newest first, `limit` at a time (20 unless
        given, at most 100). `next` in the answer fetches the following page (empty on the
        last one). Customer and status match exactly; `after` is inclusive and `before`
        exclusive; `storeIds` / `productIds` match orders containing any of them; the totals
        are inclusive bounds."""
        data = serializers.SearchOrdersRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = selectors.search_orders(
            filters=_filters(data.validated_data.get("filters")),
            next=data.validated_data.get("next") or "",
            limit=data.validated_data.get("limit"),
        )
        return Response(serializers.SearchOrdersResponseSerializer(page).data)


class SearchOrderApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "search.view_searchorder"}

    @extend_schema(
        # The original's "getOrder" is the ordering API's operation id too; ids are unique here.
        operation_id="searchGetOrder",
        summary="Get an order",
        tags=["Order"],
        responses={200: serializers.GetOrderResponseSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        """The order with its customer's name, its items with product and store names, its
        total and its status."""
        order = selectors.search_order_get(order_id=id)
        return Response(serializers.GetOrderResponseSerializer(order).data)

"""The stores REST API, wire-compatible with the original "Store Management" API: one class
per operation. Where two operations share a path, a class per path combines them (Django
routes a path to one view)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.web.api import EMPTY_RESPONSE, PermissionRequiredAPIView

from .. import selectors, services
from .serializers import (
    AddProductRequestSerializer,
    ChangeProductPriceRequestSerializer,
    CreateStoreRequestSerializer,
    GetCatalogResponseSerializer,
    GetProductResponseSerializer,
    GetStoreResponseSerializer,
    GetStoresResponseSerializer,
    IdResponseSerializer,
    ProductSerializer,
    RebrandProductRequestSerializer,
    RebrandStoreRequestSerializer,
    StoreSerializer,
)


def _valid(serializer_class: type, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Stores ---------------------------------------------------------------------------------


class StoreCreateApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "stores.add_store"}

    @extend_schema(
        operation_id="createStore",
        summary="Create a new store",
        tags=["Store"],
        request=CreateStoreRequestSerializer,
        responses=IdResponseSerializer,
    )
    def post(self, request: Request) -> Response:
        """A new store, not participating yet. Answers its id."""
        data = _valid(CreateStoreRequestSerializer, request)
        store_id = services.store_create(name=data["name"], location=data["location"])
        return Response({"id": store_id})


class StoreListApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "stores.view_store"}

    @extend_schema(
        operation_id="getStores",
        summary="Get a list of stores",
        tags=["Store"],
        responses=GetStoresResponseSerializer,
    )
    def get(self, request: Request) -> Response:
        """Every store, by name."""
        return Response({"stores": StoreSerializer(selectors.store_list_all(), many=True).data})


class StoresApi(StoreListApi, StoreCreateApi):
    required_permissions = {**StoreListApi.required_permissions, **StoreCreateApi.required_permissions}


class StoreParticipatingListApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "stores.view_store"}

    @extend_schema(
        operation_id="getParticipatingStores",
        summary="Get a list of participating stores",
        tags=["Participation"],
        responses=GetStoresResponseSerializer,
    )
    def get(self, request: Request) -> Response:
        """The stores whose orders bots pick up, by name."""
        stores = selectors.store_list_participating()
        return Response({"stores": StoreSerializer(stores, many=True).data})


class StoreDetailApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "stores.view_store"}

    @extend_schema(
        operation_id="getStore",
        summary="Get a store",
        tags=["Store"],
        responses=GetStoreResponseSerializer,
    )
    def get(self, request: Request, id: str) -> Response:
        """404 when there is no such store."""
        return Response({"store": StoreSerializer(selectors.store_get(store_id=id)).data})


class StoreRebrandApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "stores.change_store"}

    @extend_schema(
        operation_id="rebrandStore",
        summary="Change the name of a store",
        tags=["Store"],
        request=RebrandStoreRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """400 for a blank name, 404 when there is no such store."""
        data = _valid(RebrandStoreRequestSerializer, request)
        services.store_rebrand(store_id=id, name=data["name"])
        return Response({})


class StoreEnableParticipationApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "stores.change_store"}

    @extend_schema(
        operation_id="enableParticipation",
        summary="Enable store service participation",
        tags=["Participation"],
        request=OpenApiTypes.OBJECT,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """400 when the store already participates, 404 when there is no such store."""
        # The body carries nothing: `{}` or none at all.
        services.store_enable_participation(store_id=id)
        return Response({})


class StoreDisableParticipationApi(PermissionRequiredAPIView):
    required_permissions = {"DELETE": "stores.change_store"}

    @extend_schema(
        operation_id="disableParticipation",
        summary="Disable store service participation",
        tags=["Participation"],
        request=None,
        responses={200: EMPTY_RESPONSE},
    )
    def delete(self, request: Request, id: str) -> Response:
        """400 when the store does not participate, 404 when there is no such store."""
        services.store_disable_participation(store_id=id)
        return Response({})


class StoreParticipationApi(StoreEnableParticipationApi, StoreDisableParticipationApi):
    required_permissions = {
        **StoreEnableParticipationApi.required_permissions,
        **StoreDisableParticipationApi.required_permissions,
    }


# --- Products -------------------------------------------------------------------------------


class ProductAddApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "stores.add_product"}

    @extend_schema(
        operation_id="addProduct",
        summary="Add a store product",
        tags=["Product"],
        request=AddProductRequestSerializer,
        responses=IdResponseSerializer,
    )
    def post(self, request: Request, storeId: str) -> Response:
        """Answers the new product's id; 400 for a blank name or a bad price, 404 when there is no
        such store."""
        data = _valid(AddProductRequestSerializer, request)
        product_id = services.product_add(store_id=storeId, **data)
        return Response({"id": product_id})


class StoreCatalogApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "stores.view_product"}

    @extend_schema(
        operation_id="getStoreProducts",
        summary="Get a list of store products",
        tags=["Product"],
        responses=GetCatalogResponseSerializer,
    )
    def get(self, request: Request, storeId: str) -> Response:
        """The store's products, by name; 404 when there is no such store."""
        products = selectors.product_list_by_store(store_id=storeId)
        return Response({"products": ProductSerializer(products, many=True).data})


class StoreProductsApi(StoreCatalogApi, ProductAddApi):
    required_permissions = {**StoreCatalogApi.required_permissions, **ProductAddApi.required_permissions}


class ProductDetailApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "stores.view_product"}

    @extend_schema(
        operation_id="getProduct",
        summary="Get a store product",
        tags=["Product"],
        responses=GetProductResponseSerializer,
    )
    def get(self, request: Request, id: str) -> Response:
        """404 when there is no such product or it was removed."""
        return Response({"product": ProductSerializer(selectors.product_get(product_id=id)).data})


class ProductRemoveApi(PermissionRequiredAPIView):
    required_permissions = {"DELETE": "stores.delete_product"}

    @extend_schema(
        operation_id="removeProduct",
        summary="Remove a store product",
        tags=["Product"],
        request=None,
        responses={200: EMPTY_RESPONSE},
    )
    def delete(self, request: Request, id: str) -> Response:
        """404 when there is no such product, 400 when it was already removed."""
        services.product_remove(product_id=id)
        return Response({})


class ProductApi(ProductDetailApi, ProductRemoveApi):
    required_permissions = {**ProductDetailApi.required_permissions, **ProductRemoveApi.required_permissions}


class ProductRebrandApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "stores.change_product"}

    @extend_schema(
        operation_id="rebrandProduct",
        summary="Change the name and description of a product",
        tags=["Product"],
        request=RebrandProductRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """400 for a blank name or a removed product, 404 when there is no such product."""
        data = _valid(RebrandProductRequestSerializer, request)
        services.product_rebrand(product_id=id, name=data["name"], description=data["description"])
        return Response({})


class ProductIncreasePriceApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "stores.change_product"}

    @extend_schema(
        operation_id="increaseProductPrice",
        summary="Increase the price of a product",
        tags=["Product"],
        request=ChangeProductPriceRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """`price` is the new price, at least the current one (400 otherwise)."""
        data = _valid(ChangeProductPriceRequestSerializer, request)
        services.product_increase_price(product_id=id, price=data["price"])
        return Response({})


class ProductDecreasePriceApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "stores.change_product"}

    @extend_schema(
        operation_id="decreaseProductPrice",
        summary="Decrease the price of a product",
        tags=["Product"],
        request=ChangeProductPriceRequestSerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """`price` is the new price, at most the current one (400 otherwise)."""
        data = _valid(ChangeProductPriceRequestSerializer, request)
        services.product_decrease_price(product_id=id, price=data["price"])
        return Response({})

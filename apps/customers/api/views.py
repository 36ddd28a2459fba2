"""The customers REST API, wire-compatible with the original "Customers" API: one class per
operation, operation ids as in the reference (including its capitalised "DisableCustomer")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.web.api import EmptySerializer, PermissionRequiredAPIView

from .. import selectors, services
from .serializers import (
    ChangeSmsNumberRequestSerializer,
    GetCustomerResponseSerializer,
    RegisterCustomerRequestSerializer,
    RegisterCustomerResponseSerializer,
)

TAGS = ["Customer"]
EMPTY_RESPONSE = OpenApiResponse(OpenApiTypes.OBJECT, description="An empty object: `{}`.")


class RegisterCustomerApi(PermissionRequiredAPIView):
    """Registers an enabled customer and answers its new id. Blank names and blank or
    malformed SMS numbers answer 400."""

    required_permissions = {"POST": "customers.add_customer"}

    @extend_schema(
        operation_id="registerCustomer",
        summary="Register a new customer",
        tags=TAGS,
        request=RegisterCustomerRequestSerializer,
        responses=RegisterCustomerResponseSerializer,
    )
    def post(self, request: Request) -> Response:
        data = RegisterCustomerRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_id = services.customer_register(**data.validated_data)
        return Response({"id": customer_id})


class GetCustomerApi(PermissionRequiredAPIView):
    """The customer; 404 for an unknown id."""

    required_permissions = {"GET": "customers.view_customer"}

    @extend_schema(
        operation_id="getCustomer",
        summary="Get a customer",
        tags=TAGS,
        responses=GetCustomerResponseSerializer,
    )
    def get(self, request: Request, id: str) -> Response:
        customer = selectors.customer_get(customer_id=id)
        return Response(GetCustomerResponseSerializer({"customer": customer}).data)


class ChangeSmsNumberApi(PermissionRequiredAPIView):
    """Changes the customer's SMS number (blank or malformed numbers answer 400)."""

    required_permissions = {"PUT": "customers.change_customer"}

    @extend_schema(
        operation_id="changeSmsNumber",
        summary="Change a customers SMS number",
        tags=TAGS,
        request=ChangeSmsNumberRequestSerializer,
        responses=EMPTY_RESPONSE,
    )
    def put(self, request: Request, id: str) -> Response:
        data = ChangeSmsNumberRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.customer_change_sms_number(customer_id=id, **data.validated_data)
        return Response({})


class EnableCustomerApi(PermissionRequiredAPIView):
    """Enables a disabled customer; an enabled one answers 400. The body may be `{}` or empty."""

    required_permissions = {"PUT": "customers.change_customer"}

    @extend_schema(
        operation_id="enableCustomer",
        summary="Enable a customer",
        tags=TAGS,
        request=EmptySerializer,
        responses=EMPTY_RESPONSE,
    )
    def put(self, request: Request, id: str) -> Response:
        services.customer_enable(customer_id=id)
        return Response({})


class DisableCustomerApi(PermissionRequiredAPIView):
    """Disables an enabled customer, who can then no longer order; a disabled one answers 400.
    The body may be `{}` or empty."""

    required_permissions = {"PUT": "customers.change_customer"}

    @extend_schema(
        operation_id="DisableCustomer",
        summary="Disable a customer",
        tags=TAGS,
        request=EmptySerializer,
        responses=EMPTY_RESPONSE,
    )
    def put(self, request: Request, id: str) -> Response:
        services.customer_disable(customer_id=id)
        return Response({})

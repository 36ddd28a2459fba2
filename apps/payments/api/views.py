"""The payments REST API, wire-compatible with the original "Payments" API (authorizePayment,
payInvoice), plus reading a payment and an invoice back: one class per operation, one service
or selector call each."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mallbots.kernel.web.api import EMPTY_RESPONSE, EmptySerializer, PermissionRequiredAPIView

from .. import selectors, services
from . import serializers


class AuthorizePaymentApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "payments.add_payment"}

    @extend_schema(
        operation_id="authorizePayment",
        summary="Authorize a future payment",
        tags=["Payment"],
        request=serializers.AuthorizePaymentRequestSerializer,
        responses={200: serializers.AuthorizePaymentResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """A payment of `amount` (positive) by a known customer, to check a basket out with.
        Answers its id; an unknown customer answers 404."""
        data = serializers.AuthorizePaymentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_id = services.payment_authorize(**data.validated_data)
        return Response({"id": payment_id})


class GetPaymentApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "payments.view_payment"}

    @extend_schema(
        operation_id="getPayment",
        summary="Get a payment",
        tags=["Payment"],
        responses={200: serializers.GetPaymentResponseSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        """The payment; 404 for an unknown id."""
        payment = selectors.payment_get(payment_id=id)
        return Response(serializers.GetPaymentResponseSerializer({"payment": payment}).data)


class GetInvoiceApi(PermissionRequiredAPIView):
    required_permissions = {"GET": "payments.view_invoice"}

    @extend_schema(
        operation_id="getInvoice",
        summary="Get an invoice",
        tags=["Invoice"],
        responses={200: serializers.GetInvoiceResponseSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        """The invoice of a ready order (its id is the order id); 404 for an unknown id."""
        invoice = selectors.invoice_get(invoice_id=id)
        return Response(serializers.GetInvoiceResponseSerializer({"invoice": invoice}).data)


class PayInvoiceApi(PermissionRequiredAPIView):
    required_permissions = {"PUT": "payments.change_invoice"}

    @extend_schema(
        operation_id="payInvoice",
        summary="Pay an invoice",
        tags=["Invoice"],
        request=EmptySerializer,
        responses={200: EMPTY_RESPONSE},
    )
    def put(self, request: Request, id: str) -> Response:
        """Pays a pending invoice; its order is then completed. Any other invoice answers 400
        "invoice cannot be paid for". The body may be `{}` or empty."""
        services.invoice_pay(invoice_id=id)
        return Response({})

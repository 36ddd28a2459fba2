"""Wire format of the original Payments API: its camelCase field names, and its definition
names as component names (paymentspb...), which also keeps them apart from other contexts'."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Money, Uuid

# Amounts are stored with 9 digits, 2 of them decimals: larger ones are refused here (400).
AMOUNT_DIGITS = limits.MONEY_DIGITS

# --- Requests -------------------------------------------------------------------------------
# Fields default to the zero values of the original's protobuf fields, so a missing customer
# id or amount is answered by the domain with its message.


class AuthorizePaymentRequestSerializer(serializers.Serializer):
    customerId = Uuid(source="customer_id", required=False, allow_blank=True, default="")
    amount = Money(max_digits=AMOUNT_DIGITS, required=False, default=Decimal("0"))

    class Meta:
        ref_name = "paymentspbAuthorizePayment"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("customerId", "amount")


# --- Responses ------------------------------------------------------------------------------


class AuthorizePaymentResponseSerializer(serializers.Serializer):
    id = serializers.CharField()

    class Meta:
        ref_name = "paymentspbAuthorizePaymentResponse"


class PaymentSerializer(serializers.Serializer):
    id = serializers.CharField()
    customerId = serializers.CharField(source="customer_id")
    amount = Money(max_digits=AMOUNT_DIGITS)

    class Meta:
        ref_name = "paymentspbPayment"


class GetPaymentResponseSerializer(serializers.Serializer):
    payment = PaymentSerializer()

    class Meta:
        ref_name = "paymentspbGetPaymentResponse"


class InvoiceSerializer(serializers.Serializer):
    id = serializers.CharField()
    orderId = serializers.CharField(source="order_id")
    amount = Money(max_digits=AMOUNT_DIGITS)
    status = serializers.ChoiceField(choices=["pending", "paid", "canceled"])

    class Meta:
        ref_name = "paymentspbInvoice"


class GetInvoiceResponseSerializer(serializers.Serializer):
    invoice = InvoiceSerializer()

    class Meta:
        ref_name = "paymentspbGetInvoiceResponse"

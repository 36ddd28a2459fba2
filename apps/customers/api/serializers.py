"""Wire format of the original Customers API: its camelCase field names, and its definition
names as component names (customerspb...), which also keeps them apart from other contexts'."""

from __future__ import annotations

from rest_framework import serializers

from mallbots.kernel.ddd import limits
from mallbots.kernel.web.api import Text

# --- Requests -------------------------------------------------------------------------------
# Text fields default to "" as the original's protobuf fields did, so a missing or blank value
# is answered by the domain with the original's message.


def _sms_number() -> Text:
    """A string (a number is refused: leading zeros and `+` would be lost), at most 32 characters."""
    field = Text(
        source="sms_number",
        max_length=limits.SMS_NUMBER_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )
    return field


class RegisterCustomerRequestSerializer(serializers.Serializer):
    name = Text(required=False, allow_blank=True, default="")
    smsNumber = _sms_number()

    class Meta:
        ref_name = "customerspbRegisterCustomer"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("name", "smsNumber")


class ChangeSmsNumberRequestSerializer(serializers.Serializer):
    smsNumber = _sms_number()

    class Meta:
        ref_name = "customerspbChangeSmsNumber"
        # Required in the schema; a missing value is answered by the domain"s message (400).
        schema_required = ("smsNumber",)


# --- Responses ------------------------------------------------------------------------------


class RegisterCustomerResponseSerializer(serializers.Serializer):
    id = serializers.CharField()

    class Meta:
        ref_name = "customerspbRegisterCustomerResponse"


class CustomerSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    smsNumber = serializers.CharField(source="sms_number")
    enabled = serializers.BooleanField()

    class Meta:
        ref_name = "customerspbCustomer"


class GetCustomerResponseSerializer(serializers.Serializer):
    customer = CustomerSerializer()

    class Meta:
        ref_name = "customerspbGetCustomerResponse"

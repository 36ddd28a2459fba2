"""Wire format of the original Customers API: its camelCase field names, and its definition
names as component names (customerspb...), which also keeps them apart from other contexts'."""

from __future__ import annotations

from rest_framework import serializers

# --- Requests -------------------------------------------------------------------------------
# Text fields default to "" as the original's protobuf fields did, so a missing or blank value
# is answered by the domain with the original's message.


class RegisterCustomerRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="")
    smsNumber = serializers.CharField(source="sms_number", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "customerspbRegisterCustomer"


class ChangeSmsNumberRequestSerializer(serializers.Serializer):
    smsNumber = serializers.CharField(source="sms_number", required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "customerspbChangeSmsNumber"


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

"""A tiny API over the test ledger, to drive the HTTP kernel (errors, auth, correlation)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mallbots.kernel.web.api import PermissionRequiredAPIView

from . import services


class LedgerCreditApi(APIView):
    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=10, decimal_places=2)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    def post(self, request: Request, ledger_id: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ledger_credit(ledger_id=ledger_id, **data.validated_data)
        return Response({})


class LedgerOpenApi(APIView):
    class InputSerializer(serializers.Serializer):
        id = serializers.CharField()
        name = serializers.CharField(allow_blank=True)

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ledger_open(ledger_id=data.validated_data["id"], name=data.validated_data["name"])
        return Response({"id": data.validated_data["id"]})


class LedgerCloseApi(PermissionRequiredAPIView):
    required_permissions = {"POST": "kerneltest.change_ledgerview"}

    def post(self, request: Request, ledger_id: str) -> Response:
        services.ledger_close(ledger_id=ledger_id)
        return Response({})


class CrashApi(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")

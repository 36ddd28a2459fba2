"""The baseline of `benchmark api`: a bare DRF view that reads one row, with the API's own
authentication and renderer, served beside the whole API by the benchmark's gunicorn (its
URLconf; nothing of it is routed in the application)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.stores.models import Product
from mallbots.urls import urlpatterns as application

BARE_PATH = "benchmark/bare/products/"


class BareProductView(APIView):
    """One product row as JSON: DRF's request cycle, token authentication, a query, JSON out."""

    def get(self, request: Request, id: str) -> Response:
        row: dict[str, Any] | None = Product.objects.filter(id=id).values("id", "name", "price").first()
        if row is None:
            raise Http404
        return Response({"id": str(row["id"]), "name": row["name"], "price": str(row["price"])})


urlpatterns = [*application, path(f"{BARE_PATH}<str:id>", BareProductView.as_view())]

"""Building blocks of the REST API that every context uses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.views import APIView


class RequiresPermission(permissions.BasePermission):
    """The view's `required_permissions` maps HTTP methods to one Django permission
    ("app_label.codename"). Superusers may do everything; every other user, staff included,
    needs that permission, from its groups (kiosk, store-managers, depot-operators, auditors,
    administrators) or its own: the API honours the same permissions as the admin, so an
    auditor reads and never writes, here as there."""

    message = "you do not have permission to perform this action"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        method = (request.method or "").lower()
        if user.is_superuser or not hasattr(view, method):
            return True  # a method the view lacks answers 405 for everyone, not 403
        required: dict[str, str] = getattr(view, "required_permissions", {})
        permission = required.get(method.upper()) or required.get("*")
        return permission is not None and user.has_perm(permission)


class EmptySerializer(serializers.Serializer):
    """`{}`: the body of requests that carry nothing."""


# `{}`: the 200 body of commands, shown as an empty object in the schema.
EMPTY_RESPONSE = OpenApiResponse(OpenApiTypes.OBJECT, description="Empty object `{}`.")


class Money(serializers.DecimalField):
    """Money on the wire: a JSON number with at most two decimals (`9.99`), a Decimal inside."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 11)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)


class PermissionRequiredAPIView(APIView):
    """Base of every API view of a context: authenticated users with the matching permission."""

    permission_classes = [RequiresPermission]
    required_permissions: dict[str, str] = {}

"""Building blocks of the REST API that every context uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from mallbots.kernel.ddd import limits


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


# --- Strict request fields ------------------------------------------------------------------
# JSON types are kept: a number is not a string and a string is not a number (DRF would coerce
# both). A serializer's `Meta.schema_required` names fields the schema lists as required while a
# missing value is still answered by the domain with the original's message (400 either way).


class Text(serializers.CharField):
    """A JSON string, at most `max_length` characters (NAME_MAX_LENGTH unless told)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", limits.NAME_MAX_LENGTH)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class Uuid(serializers.UUIDField):
    """An id: a JSON string holding a UUID, in its canonical lowercase form inside. With
    `allow_blank=True` a blank string passes as "", for the domain's "cannot be blank"."""

    def __init__(self, *, allow_blank: bool = False, **kwargs: Any) -> None:
        self.allow_blank = allow_blank
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:  # type: ignore[override]
        if not isinstance(data, str):
            self.fail("invalid")
        if self.allow_blank and not data.strip():
            return ""
        return str(super().to_internal_value(data))


class Integer(serializers.IntegerField):
    """A JSON integer (not a string, a boolean or a number with decimals) within its range."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class Money(serializers.DecimalField):
    """Money on the wire: a JSON number with at most two decimals (`9.99`), a Decimal inside. As
    a request field, a number (not a string); `Money(max_digits=limits.MONEY_DIGITS)` takes at
    most MONEY_MAX (9,999,999.99). Answers may show up to 12 digits before the point."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float | Decimal):
            self.fail("invalid")
        value: Decimal = super().to_internal_value(data)
        return value


class PermissionRequiredAPIView(APIView):
    """Base of every API view of a context: authenticated users with the matching permission."""

    permission_classes = [RequiresPermission]
    required_permissions: dict[str, str] = {}

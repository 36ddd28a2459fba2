"""OpenAPI descriptions drf-spectacular needs for the kernel's own classes."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.plumbing import force_instance


class KernelSessionScheme(SessionScheme):
    # drf-spectacular matches DRF's SessionAuthentication exactly, not subclasses such as ours.
    target_class = "mallbots.kernel.web.authentication.SessionAuthentication"


class AutoSchema(openapi.AutoSchema):
    """Request fields a serializer names in `Meta.schema_required` are listed as required,
    though a missing one is answered by the domain's own message (400 either way)."""

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        result: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return result
        meta = getattr(force_instance(serializer), "Meta", None)
        marked = set(getattr(meta, "schema_required", ()))
        if marked:
            required = set(result.get("required", [])) | marked
            result["required"] = [name for name in result["properties"] if name in required]
        return result


ERROR = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a gRPC-style code (as the original's gateway mapped them), a message, "
    "and per field what was wrong.",
    "properties": {
        "code": {
            "type": "integer",
            "description": "3 invalid argument, 5 not found, 7 permission denied, "
            "9 failed precondition, 10 aborted, 14 unavailable, 16 unauthenticated",
        },
        "message": {"type": "string"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "description": {"type": "string"}},
                "required": ["field", "description"],
            },
        },
    },
    "required": ["code", "message", "details"],
}
ERROR_RESPONSES = {
    "400": "Invalid argument (code 3: a field out of range or of the wrong type, named in `details`) "
    "or failed precondition (code 9: the state does not allow it).",
    "401": "Unauthenticated (code 16): no or a bad token.",
    "403": "Permission denied (code 7): the user's groups lack the permission.",
    "404": "Not found (code 5): no such id (or an id that is not a UUID).",
    "409": "Aborted (code 10): the aggregate stayed busy past the wait, retry; or already exists (code 6).",
    "503": "Unavailable (code 14): the database cannot be reached; retry after `Retry-After` seconds.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: the shared error component, and every error answer on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}}
    retry_after = {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                answer: dict[str, Any] = {"description": description, "content": body}
                if status == "503":
                    answer["headers"] = retry_after
                responses.setdefault(status, answer)
    return result

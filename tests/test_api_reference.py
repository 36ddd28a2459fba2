"""Every path and method of the original REST contract (docs/api/original) exists in our
OpenAPI schema, with the original operation id and the same request body field names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.contract

ORIGINAL = Path(__file__).resolve().parent.parent / "docs" / "api" / "original"
CONTEXTS = ["stores", "customers", "baskets", "ordering", "payments", "depot", "search"]
# One OpenAPI document needs unique operation ids; the original's two services both had a
# "getOrder". Ordering keeps it; search's is renamed.
RENAMED = {("GET", "/api/search/orders/{id}"): "searchGetOrder"}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        parts = schema["$ref"].lstrip("#/").split("/")
        target: Any = spec
        for part in parts:
            target = target[part]
        schema = target
    return schema


def original_operations(context: str) -> list[tuple[str, str, str, list[str]]]:
    spec = json.loads((ORIGINAL / f"{context}.swagger.json").read_text())
    out = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            fields: list[str] = []
            for param in op.get("parameters", []):
                if param["in"] == "body":
                    fields = sorted(_resolve(spec, param["schema"]).get("properties", {}))
            out.append((method.upper(), path, op["operationId"], fields))
    return out


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    result: dict[str, Any] = json.loads(json.dumps(generated, default=str))
    return result


CASES = [(context, *op) for context in CONTEXTS for op in original_operations(context)]


@pytest.mark.parametrize(
    ("context", "method", "path", "operation_id", "fields"), CASES, ids=[f"{c[1]} {c[2]}" for c in CASES]
)
def test_original_operation_exists_with_same_request_fields(
    schema, context, method, path, operation_id, fields
):
    operation = schema["paths"].get(path, {}).get(method.lower())
    assert operation is not None, f"{method} {path} is missing from /api/schema/"
    assert operation["operationId"] == RENAMED.get((method, path), operation_id)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ours = sorted(_resolve(schema, body).get("properties", {})) if body else []
    assert ours == fields

"""The OpenAPI schema says what the API does: every operation documents its error answers
with the shared Error component, fields the domain requires are required, numbers and texts
carry their ranges and lengths, ids are UUIDs."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.integration

ERRORS = {"400", "401", "403", "404", "409", "503"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def test_every_operation_documents_every_error_answer_with_the_error_body(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert set(operation["responses"]) >= ERRORS, (method, path)
            for status in ERRORS:
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            assert "Retry-After" in operation["responses"]["503"]["headers"]
    assert component(schema, "Error")["required"] == ["code", "message", "details"]


def test_required_fields_are_required_and_limits_are_stated(schema):
    store = component(schema, "storespbCreateStoreRequest")
    assert store["required"] == ["name", "location"]
    assert store["properties"]["name"]["maxLength"] == 200
    item = component(schema, "basketspbItemQuantityRequest")
    assert item["required"] == ["productId", "quantity"]
    assert item["properties"]["productId"]["format"] == "uuid"
    assert item["properties"]["quantity"]["maximum"] == 10_000
    assert component(schema, "basketspbStartBasketRequest")["required"] == ["customerId"]
    assert (
        component(schema, "customerspbRegisterCustomerRequest")["properties"]["smsNumber"]["maxLength"] == 32
    )


def test_path_ids_are_uuids_and_the_description_says_unknown_fields_are_ignored(schema):
    parameter = schema["paths"]["/api/baskets/{id}"]["get"]["parameters"][0]
    assert (parameter["name"], parameter["schema"]) == ("id", {"type": "string", "format": "uuid"})
    assert "unknown fields in a body are ignored" in schema["info"]["description"]

"""The API honours the admin's Django permissions: every user but a superuser, staff included,
may call exactly the operations its groups' permissions allow. One row per operation, one
column per role; a refused call answers 403 and stores nothing."""

from __future__ import annotations

import uuid

import pytest

from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ID = str(uuid.uuid4())
KIOSK, MANAGERS, OPERATORS = "kiosk", "store-managers", "depot-operators"
AUDITORS, ADMINS, STAFF, SUPERUSER = "auditors", "administrators", "staff without a group", "superuser"
ROLES = (KIOSK, MANAGERS, OPERATORS, AUDITORS, ADMINS, STAFF, SUPERUSER)
EVERYONE_WHO_READS_ALL = {AUDITORS, ADMINS, SUPERUSER}
WRITERS = {ADMINS, SUPERUSER}

# (method, path, roles allowed)
OPERATIONS = [
    ("get", "/api/stores", {KIOSK, MANAGERS} | EVERYONE_WHO_READS_ALL),
    ("post", "/api/stores", {MANAGERS} | WRITERS),
    ("get", "/api/stores/participating", {KIOSK, MANAGERS} | EVERYONE_WHO_READS_ALL),
    ("get", f"/api/stores/{ID}", {KIOSK, MANAGERS} | EVERYONE_WHO_READS_ALL),
    ("put", f"/api/stores/{ID}/rebrand", {MANAGERS} | WRITERS),
    ("put", f"/api/stores/{ID}/participating", {MANAGERS} | WRITERS),
    ("delete", f"/api/stores/{ID}/participating", {MANAGERS} | WRITERS),
    ("get", f"/api/stores/{ID}/products", {KIOSK, MANAGERS} | EVERYONE_WHO_READS_ALL),
    ("post", f"/api/stores/{ID}/products", {MANAGERS} | WRITERS),
    ("get", f"/api/stores/products/{ID}", {KIOSK, MANAGERS} | EVERYONE_WHO_READS_ALL),
    ("delete", f"/api/stores/products/{ID}", {MANAGERS} | WRITERS),
    ("put", f"/api/stores/products/{ID}/rebrand", {MANAGERS} | WRITERS),
    ("put", f"/api/stores/products/{ID}/increasePrice", {MANAGERS} | WRITERS),
    ("put", f"/api/stores/products/{ID}/decreasePrice", {MANAGERS} | WRITERS),
    ("post", "/api/customers", {KIOSK} | WRITERS),
    ("get", f"/api/customers/{ID}", {KIOSK} | EVERYONE_WHO_READS_ALL),
    ("put", f"/api/customers/{ID}/change-sms", {KIOSK} | WRITERS),
    ("put", f"/api/customers/{ID}/enable", {KIOSK} | WRITERS),
    ("put", f"/api/customers/{ID}/disable", {KIOSK} | WRITERS),
    ("post", "/api/baskets", {KIOSK} | WRITERS),
    ("get", f"/api/baskets/{ID}", {KIOSK} | EVERYONE_WHO_READS_ALL),
    ("delete", f"/api/baskets/{ID}", {KIOSK} | WRITERS),
    ("put", f"/api/baskets/{ID}/addItem", {KIOSK} | WRITERS),
    ("put", f"/api/baskets/{ID}/removeItem", {KIOSK} | WRITERS),
    ("put", f"/api/baskets/{ID}/checkout", {KIOSK} | WRITERS),
    ("post", "/api/ordering", WRITERS),
    ("get", f"/api/ordering/{ID}", {KIOSK} | EVERYONE_WHO_READS_ALL),
    ("delete", f"/api/ordering/{ID}", {KIOSK} | WRITERS),
    ("post", "/api/payments", {KIOSK} | WRITERS),
    ("get", f"/api/payments/{ID}", {KIOSK} | EVERYONE_WHO_READS_ALL),
    ("get", f"/api/payments/invoices/{ID}", {KIOSK} | EVERYONE_WHO_READS_ALL),
    ("put", f"/api/payments/invoices/{ID}/pay", {KIOSK} | WRITERS),
    ("get", f"/api/depot/shopping?orderId={ID}", {OPERATORS} | EVERYONE_WHO_READS_ALL),
    ("post", "/api/depot/shopping", {OPERATORS} | WRITERS),
    ("get", f"/api/depot/shopping/{ID}", {OPERATORS} | EVERYONE_WHO_READS_ALL),
    ("post", f"/api/depot/shopping/{ID}", {OPERATORS} | WRITERS),
    ("put", f"/api/depot/shopping/{ID}/assign", {OPERATORS} | WRITERS),
    ("put", f"/api/depot/shopping/{ID}/complete", {OPERATORS} | WRITERS),
    ("get", "/api/depot/bots", {OPERATORS} | EVERYONE_WHO_READS_ALL),
    ("post", "/api/depot/bots", {OPERATORS} | WRITERS),
    ("post", "/api/search/orders", {KIOSK} | EVERYONE_WHO_READS_ALL),
    ("get", f"/api/search/orders/{ID}", {KIOSK} | EVERYONE_WHO_READS_ALL),
]


@pytest.fixture
def client_as(api_client_for):
    def make(role: str):
        if role == SUPERUSER:
            return api_client_for(superuser=True)
        if role == STAFF:
            return api_client_for(staff=True)
        return api_client_for(role, staff=role in (AUDITORS, ADMINS))

    return make


def test_the_table_names_every_operation_of_the_api():
    import re

    from django.urls import URLResolver, get_resolver

    def operations(patterns, prefix="/"):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from operations(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            view = getattr(pattern.callback, "view_class", None)
            for method in getattr(view, "required_permissions", {}):
                yield method.lower(), re.sub(r"<[^>]+>", "{}", prefix + str(pattern.pattern))

    tabled = {(method, path.split("?")[0].replace(ID, "{}")) for method, path, _ in OPERATIONS}
    assert tabled == set(operations(get_resolver().url_patterns))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "allowed"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_each_role_may_call_exactly_what_its_permissions_allow(client_as, role, method, path, allowed):
    # given
    client = client_as(role)
    # when
    response = getattr(client, method)(path, {}, format="json") if method != "get" else client.get(path)
    # then
    if role in allowed:
        assert response.status_code != 403, response.json()
    else:
        assert (response.status_code, response.json()) == (
            403,
            {"code": 7, "message": "you do not have permission to perform this action", "details": []},
        )
        assert not Event.objects.exists()
        assert not StreamMessage.objects.exists()

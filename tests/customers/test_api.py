"""The customers REST API: wire format of the original, status codes, error bodies, access."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.customers.models import Customer
from mallbots.kernel.messaging.models import StreamMessage
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def kiosk(api_client_for) -> APIClient:
    return api_client_for("kiosk")


def error(code: int, message: str, details: list[dict[str, str]] | None = None) -> dict[str, object]:
    return {"code": code, "message": message, "details": details or []}


def state(customer_id: object) -> tuple[str, str, bool, int]:
    c = Customer.objects.get(pk=customer_id)
    return c.name, c.sms_number, c.enabled, c.version


def outbox_names(customer_id: object) -> list[str]:
    rows = StreamMessage.objects.filter(partition_key=str(customer_id)).order_by("position")
    return list(rows.values_list("name", flat=True))


# --- registerCustomer -------------------------------------------------------------------------


def test_register_answers_the_new_id_and_the_customer_can_be_read_back(kiosk):
    # when
    response = kiosk.post(
        "/api/customers",
        {"name": "Ada Lovelace", "smsNumber": "555-555-1212"},
        format="json",
        HTTP_X_CORRELATION_ID="corr-42",
    )
    # then
    assert response.status_code == 200
    assert list(response.json()) == ["id"]
    customer_id = response.json()["id"]
    assert kiosk.get(f"/api/customers/{customer_id}").json() == {
        "customer": {"id": customer_id, "name": "Ada Lovelace", "smsNumber": "555-555-1212", "enabled": True}
    }
    message = StreamMessage.objects.get(partition_key=customer_id)
    token = kiosk._credentials["HTTP_AUTHORIZATION"].split()[1]
    assert (message.name, message.correlation_id, message.metadata) == (
        "customersapi.CustomerRegistered",
        "corr-42",
        {"actor": Token.objects.get(key=token).user.username},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "", "smsNumber": "555-555-1212"}, "the customer name cannot be blank"),
        ({"smsNumber": "555-555-1212"}, "the customer name cannot be blank"),
        ({"name": "Ada", "smsNumber": " "}, "the SMS number cannot be blank"),
        ({"name": "Ada"}, "the SMS number cannot be blank"),
        ({"name": "Ada", "smsNumber": "call me maybe"}, "the SMS number is not valid"),
        ({"name": "Ada", "smsNumber": "12345"}, "the SMS number is not valid"),
        ({}, "the customer name cannot be blank"),
    ],
)
def test_register_refuses_blank_and_invalid_values_with_the_original_messages(kiosk, body, message):
    # when
    response = kiosk.post("/api/customers", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert Customer.objects.count() == 0
    assert StreamMessage.objects.count() == 0


def test_register_lists_fields_of_the_wrong_type_in_details(kiosk):
    # when
    response = kiosk.post("/api/customers", {"name": None, "smsNumber": ["555"]}, format="json")
    # then
    assert (response.status_code, response.json()) == (
        400,
        error(
            3,
            "name: This field may not be null.; smsNumber: Not a valid string.",
            [
                {"field": "name", "description": "This field may not be null."},
                {"field": "smsNumber", "description": "Not a valid string."},
            ],
        ),
    )
    assert Customer.objects.count() == 0


def test_register_answers_400_to_malformed_json(kiosk):
    # when
    response = kiosk.generic("POST", "/api/customers", "{name", content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert response.json()["message"].startswith("JSON parse error")
    assert Customer.objects.count() == 0


# --- getCustomer ------------------------------------------------------------------------------


def test_get_answers_the_customer_in_the_original_shape(kiosk):
    # given
    customer = CustomerFactory(name="Grace Hopper", sms_number="+1 (555) 555-0100", enabled=False)
    # when
    response = kiosk.get(f"/api/customers/{customer.pk}")
    # then
    assert (response.status_code, response.json()) == (
        200,
        {
            "customer": {
                "id": str(customer.pk),
                "name": "Grace Hopper",
                "smsNumber": "+1 (555) 555-0100",
                "enabled": False,
            }
        },
    )


def test_get_takes_a_constant_number_of_queries(kiosk, django_assert_max_num_queries):
    # given
    customer = CustomerFactory()
    # then: token and user, permissions, the customer
    with django_assert_max_num_queries(4):
        assert kiosk.get(f"/api/customers/{customer.pk}").status_code == 200


@pytest.mark.parametrize(
    ("customer_id", "message"),
    [(str(uuid.uuid4()), "the customer was not found"), ("not-a-uuid", "not found")],
)
def test_get_answers_404_for_an_unknown_customer(kiosk, customer_id, message):
    response = kiosk.get(f"/api/customers/{customer_id}")
    assert (response.status_code, response.json()) == (404, error(5, message))


# --- changeSmsNumber --------------------------------------------------------------------------


def test_change_sms_number_answers_an_empty_object_and_changes_the_number(kiosk):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    response = kiosk.put(
        f"/api/customers/{customer.pk}/change-sms", {"smsNumber": "555.555.0199"}, format="json"
    )
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert state(customer.pk) == ("Ada", "555.555.0199", True, 2)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered", "customersapi.CustomerSmsChanged"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"smsNumber": ""}, "the SMS number cannot be blank"),
        ({}, "the SMS number cannot be blank"),
        ({"smsNumber": "555-CALL-NOW"}, "the SMS number is not valid"),
    ],
)
def test_change_sms_number_refuses_bad_numbers_and_changes_nothing(kiosk, body, message):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    response = kiosk.put(f"/api/customers/{customer.pk}/change-sms", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, message))
    assert state(customer.pk) == ("Ada", "555-555-1212", True, 1)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered"]


def test_change_sms_number_answers_404_for_an_unknown_customer(kiosk):
    response = kiosk.put(
        f"/api/customers/{uuid.uuid4()}/change-sms", {"smsNumber": "555-555-1212"}, format="json"
    )
    assert (response.status_code, response.json()) == (404, error(5, "the customer was not found"))
    assert StreamMessage.objects.count() == 0


# --- enableCustomer / DisableCustomer ---------------------------------------------------------


@pytest.mark.parametrize("with_body", [True, False], ids=["empty object", "no body"])
def test_disable_then_enable_answer_empty_objects(kiosk, with_body):
    # given
    customer = CustomerFactory()
    body = {"data": {}, "format": "json"} if with_body else {}
    # when
    disabled = kiosk.put(f"/api/customers/{customer.pk}/disable", **body)
    enabled_after_disable = Customer.objects.get(pk=customer.pk).enabled
    enabled = kiosk.put(f"/api/customers/{customer.pk}/enable", **body)
    # then
    assert (disabled.status_code, disabled.json()) == (200, {})
    assert (enabled.status_code, enabled.json()) == (200, {})
    assert enabled_after_disable is False
    assert state(customer.pk)[2:] == (True, 3)
    assert outbox_names(customer.pk) == [
        "customersapi.CustomerRegistered",
        "customersapi.CustomerDisabled",
        "customersapi.CustomerEnabled",
    ]


def test_enable_an_enabled_customer_answers_400(kiosk):
    # given
    customer = CustomerFactory()
    # when
    response = kiosk.put(f"/api/customers/{customer.pk}/enable", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the customer is already enabled"))
    assert state(customer.pk)[2:] == (True, 1)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered"]


def test_disable_a_disabled_customer_answers_400(kiosk):
    # given
    customer = CustomerFactory(enabled=False)
    # when
    response = kiosk.put(f"/api/customers/{customer.pk}/disable", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "the customer is already disabled"))
    assert state(customer.pk)[2:] == (False, 2)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered", "customersapi.CustomerDisabled"]


@pytest.mark.parametrize("command", ["enable", "disable"])
def test_enable_and_disable_answer_404_for_an_unknown_customer(kiosk, command):
    response = kiosk.put(f"/api/customers/{uuid.uuid4()}/{command}", {}, format="json")
    assert (response.status_code, response.json()) == (404, error(5, "the customer was not found"))


# --- access -----------------------------------------------------------------------------------

ID = "7d1c1d0e-6f4e-4b8e-8a53-2f3f7f0f2d11"
OPERATIONS = [
    ("post", "/api/customers", {"name": "Ada", "smsNumber": "555-555-1212"}),
    ("get", f"/api/customers/{ID}", None),
    ("put", f"/api/customers/{ID}/change-sms", {"smsNumber": "555-555-1212"}),
    ("put", f"/api/customers/{ID}/enable", {}),
    ("put", f"/api/customers/{ID}/disable", {}),
]
OPERATION_IDS = [f"{method} {path.replace(ID, '{id}')}" for method, path, _ in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS, ids=OPERATION_IDS)
def test_anonymous_callers_get_401(method, path, body):
    response = getattr(APIClient(), method)(path, body, format="json")
    assert (response.status_code, response.json()) == (
        401,
        error(16, "Authentication credentials were not provided."),
    )
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("groups", [(), ("store-managers",), ("depot-operators",)])
@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS, ids=OPERATION_IDS)
def test_users_outside_the_kiosk_group_get_403(api_client_for, groups, method, path, body):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-0000")
    client = api_client_for(*groups)
    # when
    response = getattr(client, method)(path.replace(ID, str(customer.pk)), body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert Customer.objects.count() == 1
    assert state(customer.pk) == ("Ada", "555-555-0000", True, 1)


def test_administrators_may_do_everything(api_client_for):
    # given
    staff = api_client_for("administrators", staff=True)
    # when
    customer_id = staff.post(
        "/api/customers", {"name": "Ada", "smsNumber": "555-555-1212"}, format="json"
    ).json()["id"]
    responses = [
        staff.put(f"/api/customers/{customer_id}/change-sms", {"smsNumber": "555-555-0199"}, format="json"),
        staff.put(f"/api/customers/{customer_id}/disable", {}, format="json"),
        staff.put(f"/api/customers/{customer_id}/enable", {}, format="json"),
        staff.get(f"/api/customers/{customer_id}"),
    ]
    # then
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert responses[-1].json()["customer"]["smsNumber"] == "555-555-0199"


def test_the_kiosk_group_holds_exactly_the_customer_permissions_it_needs():
    from django.contrib.auth.models import Group

    codenames = Group.objects.get(name="kiosk").permissions.filter(content_type__app_label="customers")
    assert sorted(codenames.values_list("codename", flat=True)) == [
        "add_customer",
        "change_customer",
        "view_customer",
    ]


def test_an_unsupported_method_answers_405(api_client_for):
    response = api_client_for("administrators", staff=True).delete(f"/api/customers/{uuid.uuid4()}")
    assert (response.status_code, response.json()["code"]) == (405, 12)

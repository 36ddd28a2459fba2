"""The payments REST API: wire format of the original (and of the reads API.md adds), status
codes, error bodies, access."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.payments.models import CustomerCache, Invoice, Payment
from mallbots.kernel.messaging.models import StreamMessage
from tests.payments.factories import CachedCustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def kiosk(api_client_for) -> APIClient:
    return api_client_for("kiosk")


def error(code: int, message: str, details: list[dict[str, str]] | None = None) -> dict[str, object]:
    return {"code": code, "message": message, "details": details or []}


def invoice_state(invoice_id: str) -> tuple[Decimal, str, int]:
    return Invoice.objects.values_list("amount", "status", "version").get(pk=invoice_id)


def published_names() -> list[str]:
    return list(
        StreamMessage.objects.filter(producer="payments").order_by("position").values_list("name", flat=True)
    )


# --- authorizePayment -------------------------------------------------------------------------


def test_authorize_answers_the_new_id_and_the_payment_can_be_read_back(kiosk):
    # given
    customer = CachedCustomerFactory()
    # when
    response = kiosk.post("/api/payments", {"customerId": customer.id, "amount": 99.95}, format="json")
    # then
    assert (response.status_code, list(response.json())) == (200, ["id"])
    payment_id = response.json()["id"]
    assert kiosk.get(f"/api/payments/{payment_id}").json() == {
        "payment": {"id": payment_id, "customerId": customer.id, "amount": 99.95}
    }
    assert Payment.objects.values_list("customer_id", "amount", "order_id").get(pk=payment_id) == (
        customer.id,
        Decimal("99.95"),
        "",
    )


@pytest.mark.parametrize("amount", ["12.30", True], ids=["a string", "a boolean"])
def test_authorize_refuses_an_amount_that_is_not_a_json_number(kiosk, amount):
    # given
    customer = CachedCustomerFactory()
    # when
    response = kiosk.post("/api/payments", {"customerId": customer.id, "amount": amount}, format="json")
    # then
    description = "A valid number is required."
    assert (response.status_code, response.json()) == (
        400,
        error(3, f"amount: {description}", [{"field": "amount", "description": description}]),
    )
    assert Payment.objects.count() == 0


def test_authorize_finds_a_customer_the_customers_context_registered_but_did_not_announce_yet(
    kiosk, api_client_for
):
    # given a customer registered through the customers API, whose event was never delivered here
    staff = api_client_for("administrators", staff=True)
    customer_id = staff.post(
        "/api/customers", {"name": "Ada", "smsNumber": "555-555-1212"}, format="json"
    ).json()["id"]
    # when
    response = kiosk.post("/api/payments", {"customerId": customer_id, "amount": 10}, format="json")
    # then
    assert response.status_code == 200
    assert CustomerCache.objects.values_list("id", "name").get() == (customer_id, "Ada")


@pytest.mark.parametrize(
    "body",
    [
        {"customerId": str(uuid.uuid4()), "amount": 10},
        {"customerId": "", "amount": 10},
        {"amount": 10},
        {},
    ],
    ids=["unknown", "blank", "missing", "empty body"],
)
def test_authorize_answers_404_for_an_unknown_customer(kiosk, body):
    # when
    response = kiosk.post("/api/payments", body, format="json")
    # then
    assert (response.status_code, response.json()) == (404, error(5, "the customer was not found"))
    assert (Payment.objects.count(), CustomerCache.objects.count()) == (0, 0)


@pytest.mark.parametrize("amount", [0, -5, -0.01, None], ids=["zero", "negative", "negative cent", "missing"])
def test_authorize_refuses_an_amount_that_is_not_positive(kiosk, amount):
    # given
    customer = CachedCustomerFactory()
    body = {"customerId": customer.id} if amount is None else {"customerId": customer.id, "amount": amount}
    # when
    response = kiosk.post("/api/payments", body, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(3, "the payment amount must be positive"))
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "description"),
    [
        ("lots", "A valid number is required."),
        (10_000_000, "Ensure that there are no more than 7 digits before the decimal point."),
        (1.234, "Ensure that there are no more than 2 decimal places."),
    ],
    ids=["not a number", "too large", "fractions of cents"],
)
def test_authorize_lists_a_malformed_amount_in_details(kiosk, amount, description):
    # given
    customer = CachedCustomerFactory()
    # when
    response = kiosk.post("/api/payments", {"customerId": customer.id, "amount": amount}, format="json")
    # then
    assert (response.status_code, response.json()) == (
        400,
        error(3, f"amount: {description}", [{"field": "amount", "description": description}]),
    )
    assert Payment.objects.count() == 0


def test_authorize_answers_400_to_malformed_json(kiosk):
    response = kiosk.generic("POST", "/api/payments", "{customerId", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, 3)
    assert response.json()["message"].startswith("JSON parse error")
    assert Payment.objects.count() == 0


# --- getPayment -------------------------------------------------------------------------------


def test_get_payment_answers_the_payment_and_takes_a_constant_number_of_queries(
    kiosk, django_assert_max_num_queries
):
    # given
    payment = PaymentFactory(amount=Decimal("20.00"))
    # when: token and user, permissions, the payment
    with django_assert_max_num_queries(4):
        response = kiosk.get(f"/api/payments/{payment.id}")
    # then
    assert (response.status_code, response.json()) == (
        200,
        {"payment": {"id": payment.id, "customerId": payment.customer_id, "amount": 20.0}},
    )


@pytest.mark.parametrize(
    ("payment_id", "message"),
    [
        (str(uuid.uuid4()), "the payment was not found"),
        ("not-a-uuid", "not found"),
        ("invoices", "not found"),
    ],
)
def test_get_payment_answers_404_for_an_unknown_payment(kiosk, payment_id, message):
    response = kiosk.get(f"/api/payments/{payment_id}")
    assert (response.status_code, response.json()) == (404, error(5, message))


# --- getInvoice -------------------------------------------------------------------------------


def test_get_invoice_answers_the_invoice_and_takes_a_constant_number_of_queries(
    kiosk, django_assert_max_num_queries
):
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    # when
    with django_assert_max_num_queries(4):
        response = kiosk.get(f"/api/payments/invoices/{invoice.id}")
    # then
    assert (response.status_code, response.json()) == (
        200,
        {"invoice": {"id": invoice.id, "orderId": invoice.order_id, "amount": 42.5, "status": "pending"}},
    )


@pytest.mark.parametrize("status", ["paid", "canceled"])
def test_get_invoice_shows_a_settled_status(kiosk, status):
    invoice = InvoiceFactory(status=status)
    assert kiosk.get(f"/api/payments/invoices/{invoice.id}").json()["invoice"]["status"] == status


def test_get_invoice_answers_404_for_an_unknown_invoice(kiosk):
    response = kiosk.get(f"/api/payments/invoices/{uuid.uuid4()}")
    assert (response.status_code, response.json()) == (404, error(5, "the invoice was not found"))


# --- payInvoice -------------------------------------------------------------------------------


@pytest.mark.parametrize("with_body", [True, False], ids=["empty object", "no body"])
def test_pay_answers_an_empty_object_and_publishes_under_the_order_id(kiosk, with_body):
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    body = {"data": {}, "format": "json"} if with_body else {}
    # when
    response = kiosk.put(f"/api/payments/invoices/{invoice.id}/pay", HTTP_X_CORRELATION_ID="corr-9", **body)
    # then
    assert (response.status_code, response.json()) == (200, {})
    assert invoice_state(invoice.id) == (Decimal("42.50"), "paid", 2)
    message = StreamMessage.objects.get(name="paymentsapi.InvoicePaid")
    token = kiosk._credentials["HTTP_AUTHORIZATION"].split()[1]
    assert (message.correlation_id, message.causation_id, message.metadata, message.payload) == (
        invoice.order_id,
        "corr-9",
        {"actor": Token.objects.get(key=token).user.username},
        {"id": invoice.id, "order_id": invoice.order_id, "amount": "42.50"},
    )


@pytest.mark.parametrize("status", ["paid", "canceled"])
def test_pay_a_settled_invoice_answers_400_with_the_original_message(kiosk, status):
    # given
    invoice = InvoiceFactory(status=status)
    before = (invoice_state(invoice.id), published_names())
    # when
    response = kiosk.put(f"/api/payments/invoices/{invoice.id}/pay", {}, format="json")
    # then
    assert (response.status_code, response.json()) == (400, error(9, "invoice cannot be paid for"))
    assert (invoice_state(invoice.id), published_names()) == before


def test_pay_answers_404_for_an_unknown_invoice(kiosk):
    response = kiosk.put(f"/api/payments/invoices/{uuid.uuid4()}/pay", {}, format="json")
    assert (response.status_code, response.json()) == (404, error(5, "the invoice was not found"))
    assert published_names() == []


# --- access -----------------------------------------------------------------------------------

ID = "7d1c1d0e-6f4e-4b8e-8a53-2f3f7f0f2d11"
OPERATIONS = [
    ("post", "/api/payments", {"customerId": ID, "amount": 10}),
    ("get", f"/api/payments/{ID}", None),
    ("get", f"/api/payments/invoices/{ID}", None),
    ("put", f"/api/payments/invoices/{ID}/pay", {}),
]
OPERATION_IDS = [f"{method} {path.replace(ID, '{id}')}" for method, path, _ in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS, ids=OPERATION_IDS)
def test_anonymous_callers_get_401(method, path, body):
    response = getattr(APIClient(), method)(path, body, format="json")
    assert (response.status_code, response.json()) == (
        401,
        error(16, "Authentication credentials were not provided."),
    )
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("groups", [(), ("store-managers",), ("depot-operators",)])
@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS, ids=OPERATION_IDS)
def test_users_outside_the_kiosk_group_get_403(api_client_for, groups, method, path, body):
    # given
    invoice = InvoiceFactory()
    payment = Payment.objects.get(pk=invoice.payment_id)
    client = api_client_for(*groups)
    real_path = path.replace(f"invoices/{ID}", f"invoices/{invoice.id}").replace(ID, payment.id)
    real_body = body if method != "post" else {"customerId": payment.customer_id, "amount": 10}
    # when
    response = getattr(client, method)(real_path, real_body, format="json")
    # then
    assert (response.status_code, response.json()) == (
        403,
        error(7, "you do not have permission to perform this action"),
    )
    assert (Payment.objects.count(), invoice_state(invoice.id)[1]) == (1, "pending")


def test_administrators_may_do_everything(api_client_for):
    # given
    staff = api_client_for("administrators", staff=True)
    invoice = InvoiceFactory()
    payment = Payment.objects.get(pk=invoice.payment_id)
    # when
    responses = [
        staff.post("/api/payments", {"customerId": payment.customer_id, "amount": 5}, format="json"),
        staff.get(f"/api/payments/{payment.id}"),
        staff.put(f"/api/payments/invoices/{invoice.id}/pay", {}, format="json"),
        staff.get(f"/api/payments/invoices/{invoice.id}"),
    ]
    # then
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert responses[-1].json()["invoice"]["status"] == "paid"


def test_the_kiosk_group_holds_exactly_the_payments_permissions_it_needs():
    codenames = Group.objects.get(name="kiosk").permissions.filter(content_type__app_label="payments")
    assert sorted(codenames.values_list("codename", flat=True)) == [
        "add_payment",
        "change_invoice",
        "view_invoice",
        "view_payment",
    ]


@pytest.mark.parametrize("group", ["store-managers", "depot-operators"])
def test_the_other_groups_hold_no_payments_permission(group):
    assert not Group.objects.get(name=group).permissions.filter(content_type__app_label="payments").exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", f"/api/payments/{ID}"),
        ("get", "/api/payments"),
        ("post", f"/api/payments/invoices/{ID}/pay"),
    ],
)
def test_an_unsupported_method_answers_405(api_client_for, method, path):
    response = getattr(api_client_for("administrators", staff=True), method)(path)
    assert (response.status_code, response.json()["code"]) == (405, 12)

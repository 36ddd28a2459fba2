"""The back office: read-only payments, invoices and caches, and every change through a service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.payments import services
from apps.payments.admin import AdjustInvoiceForm, AuthorizePaymentForm
from apps.payments.models import CustomerCache, Invoice, OrderCopy, Payment
from mallbots.kernel.messaging.models import StreamMessage
from tests.payments.factories import (
    CachedCustomerFactory,
    InvoiceFactory,
    OrderCopyFactory,
    PaymentFactory,
    new_id,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:payments_{model}_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def invoice_state(invoice_id: str) -> tuple[Decimal, str, int]:
    return Invoice.objects.values_list("amount", "status", "version").get(pk=invoice_id)


def published_names() -> list[str]:
    return list(
        StreamMessage.objects.filter(producer="payments").order_by("position").values_list("name", flat=True)
    )


def staff_client(client: Client, *codenames: str) -> Client:
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=codenames)
    )
    client.force_login(staff)
    return client


# --- listing and detail -----------------------------------------------------------------------


@pytest.mark.parametrize("model", ["payment", "invoice", "ordercopy", "customercache"])
def test_changelist_and_detail_answer_200_for_a_superuser(admin_client, model):
    # given
    invoice = InvoiceFactory()
    pk = {
        "payment": invoice.payment_id,
        "invoice": invoice.id,
        "ordercopy": invoice.order_id,
        "customercache": Payment.objects.get(pk=invoice.payment_id).customer_id,
    }[model]
    # when
    listing = admin_client.get(url(model, "changelist"))
    detail = admin_client.get(url(model, "change", pk))
    # then
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert [obj.pk for obj in listing.context["cl"].result_list] == [pk]
    assert detail.context["original"].pk == pk
    assert list(detail.context["adminform"].form.fields) == []


def test_payments_list_their_customers_names_without_a_query_per_row(
    admin_client, django_assert_max_num_queries
):
    # given
    customers = [CachedCustomerFactory(name=name) for name in ("Ada", "Grace", "Hedy")]
    for customer in customers:
        PaymentFactory(customer=customer)
    admin_client.get(url("payment", "changelist"))  # session and user loaded once
    # when
    with django_assert_max_num_queries(8):
        listing = admin_client.get(url("payment", "changelist"))
    # then
    assert sorted(p.customer_name for p in listing.context["cl"].result_list) == ["Ada", "Grace", "Hedy"]
    assert "Grace" in listing.content.decode()


def test_payments_are_filtered_by_whether_they_were_confirmed(admin_client):
    # given
    invoice = InvoiceFactory()  # its payment is confirmed for its order
    unused = PaymentFactory()
    # when
    confirmed = admin_client.get(url("payment", "changelist"), {"confirmed": "yes"})
    not_confirmed = admin_client.get(url("payment", "changelist"), {"confirmed": "no"})
    # then
    assert [p.pk for p in confirmed.context["cl"].result_list] == [invoice.payment_id]
    assert [p.pk for p in not_confirmed.context["cl"].result_list] == [unused.pk]


def test_invoices_are_filtered_by_status(admin_client):
    # given
    pending, paid = InvoiceFactory(), InvoiceFactory(status="paid")
    # when
    listing = {
        status: admin_client.get(url("invoice", "changelist"), {"status__exact": status})
        for status in ("pending", "paid")
    }
    # then
    assert [i.pk for i in listing["pending"].context["cl"].result_list] == [pending.pk]
    assert [i.pk for i in listing["paid"].context["cl"].result_list] == [paid.pk]


def test_invoices_are_found_by_exact_order_id(admin_client):
    # given
    wanted, _ = InvoiceFactory(), InvoiceFactory()
    # when
    listing = admin_client.get(url("invoice", "changelist"), {"q": wanted.order_id})
    # then
    assert [i.pk for i in listing.context["cl"].result_list] == [wanted.pk]


def test_order_copies_show_why_a_payment_was_refused(admin_client):
    # given
    order = OrderCopyFactory(payment__amount=Decimal("10.00"), total=Decimal("20.00"))
    services.payment_confirm_for_order(order_id=order.order_id)
    # when
    detail = admin_client.get(url("ordercopy", "change", order.order_id))
    failed = admin_client.get(url("ordercopy", "changelist"), {"confirmation__exact": "failed"})
    # then
    assert "the payment is smaller than the order total" in detail.content.decode()
    assert [o.pk for o in failed.context["cl"].result_list] == [order.order_id]


# --- read-only ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["payment", "invoice", "ordercopy", "customercache"])
def test_rows_cannot_be_changed_or_deleted_by_hand(admin_client, model):
    # given
    invoice = InvoiceFactory()
    pk = {
        "payment": invoice.payment_id,
        "invoice": invoice.id,
        "ordercopy": invoice.order_id,
        "customercache": Payment.objects.get(pk=invoice.payment_id).customer_id,
    }[model]
    before = [list(m.objects.values()) for m in (Payment, Invoice, OrderCopy, CustomerCache)]
    # when
    change = admin_client.post(url(model, "change", pk), {"amount": "1.00", "status": "paid", "name": "Eve"})
    delete = admin_client.post(url(model, "delete", pk), {"post": "yes"})
    listing = admin_client.get(url(model, "changelist"))
    # then
    assert (change.status_code, delete.status_code) == (403, 403)
    assert "delete_selected" not in listing.content.decode()
    assert [list(m.objects.values()) for m in (Payment, Invoice, OrderCopy, CustomerCache)] == before


@pytest.mark.parametrize("model", ["invoice", "ordercopy", "customercache"])
def test_only_payments_have_an_add_page(admin_client, model):
    assert admin_client.get(url(model, "add")).status_code == 403


# --- authorize a payment ------------------------------------------------------------------------


def test_the_add_page_of_payments_is_the_authorization_form(admin_client):
    # when
    page = admin_client.get(url("payment", "add"))
    listing = admin_client.get(url("payment", "changelist"))
    # then
    assert page.status_code == 200
    assert isinstance(page.context["form"], AuthorizePaymentForm)
    assert page.context["title"] == "Authorize payment"
    assert "Authorize payment" in listing.content.decode()


def test_authorizing_calls_the_service_and_opens_the_new_payment(admin_client):
    # given
    customer = CachedCustomerFactory()
    # when
    response = admin_client.post(url("payment", "add"), {"customer_id": customer.id, "amount": "25.00"})
    # then
    payment = Payment.objects.get()
    assert (response.status_code, response["Location"]) == (302, url("payment", "change", payment.pk))
    assert flash(response) == [("success", f"Authorized the payment {payment.pk}.")]
    assert (payment.customer_id, payment.amount, payment.order_id) == (customer.id, Decimal("25.00"), "")


def test_an_authorization_the_domain_refuses_shows_the_error_and_stores_nothing(admin_client):
    # given
    customer_id = CachedCustomerFactory().id
    # when
    response = admin_client.post(url("payment", "add"), {"customer_id": customer_id, "amount": "0"})
    # then
    assert response.status_code == 200
    assert response.context["form"].data["customer_id"] == customer_id
    assert flash(response) == [("error", "the payment amount must be positive")]
    assert Payment.objects.count() == 0


def test_the_authorization_form_picks_the_customer_by_name_among_those_payments_knows(admin_client):
    # given
    ada = CachedCustomerFactory(name="Ada Lovelace")
    grace = CachedCustomerFactory(name="Grace Hopper")
    unknown = new_id()
    # when
    page = admin_client.get(url("payment", "add"))
    refused = admin_client.post(url("payment", "add"), {"customer_id": unknown, "amount": "25.00"})
    # then
    assert page.context["form"].fields["customer_id"].choices == [
        ("", "Choose a customer"),
        (ada.id, f"Ada Lovelace · {ada.id[:8]}"),
        (grace.id, f"Grace Hopper · {grace.id[:8]}"),
    ]
    assert refused.context["form"].errors == {
        "customer_id": [f"Select a valid choice. {unknown} is not one of the available choices."]
    }
    assert Payment.objects.count() == 0


def test_an_authorization_with_bad_fields_shows_the_form_errors(admin_client):
    # when
    response = admin_client.post(url("payment", "add"), {"customer_id": "", "amount": "1.234"})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "customer_id": ["This field is required."],
        "amount": ["Ensure that there are no more than 2 decimal places."],
    }
    assert Payment.objects.count() == 0


def test_staff_without_the_add_permission_cannot_authorize(client):
    # given
    staff = staff_client(client, "view_payment")
    customer = CachedCustomerFactory()
    # when
    response = staff.post(url("payment", "add"), {"customer_id": customer.id, "amount": "25.00"})
    # then
    assert response.status_code == 403
    assert Payment.objects.count() == 0


# --- pay / cancel actions -------------------------------------------------------------------------


def test_pay_action_pays_the_selected_invoices_under_their_order_ids(admin_client):
    # given
    chosen = [InvoiceFactory(), InvoiceFactory()]
    other = InvoiceFactory()
    # when
    response = admin_client.post(
        url("invoice", "changelist"), {"action": "pay_selected", "_selected_action": [i.pk for i in chosen]}
    )
    # then
    assert response.status_code == 302
    assert flash(response) == [("success", "Paid 2 invoices.")]
    assert [invoice_state(i.pk)[1] for i in [*chosen, other]] == ["paid", "paid", "pending"]
    messages = StreamMessage.objects.filter(name="paymentsapi.InvoicePaid")
    assert sorted(messages.values_list("partition_key", "correlation_id")) == sorted(
        (i.order_id, i.order_id) for i in chosen
    )


def test_cancel_action_cancels_pending_invoices_and_reports_the_others(admin_client):
    # given
    pending, paid = InvoiceFactory(), InvoiceFactory(status="paid")
    # when
    response = admin_client.post(
        url("invoice", "changelist"), {"action": "cancel_selected", "_selected_action": [pending.pk, paid.pk]}
    )
    # then
    assert sorted(flash(response)) == sorted(
        [
            (
                "error",
                f"Invoice {paid.pk}: the invoice cannot be canceled: it is paid, and only pending invoices can be.",
            ),
            ("success", "Canceled 1 invoice."),
        ]
    )
    assert (invoice_state(pending.pk)[1], invoice_state(paid.pk)[1]) == ("canceled", "paid")
    assert published_names().count("paymentsapi.InvoiceCanceled") == 1


def test_paying_a_settled_invoice_shows_the_error_and_changes_nothing(admin_client):
    # given
    canceled = InvoiceFactory(status="canceled")
    before = (invoice_state(canceled.pk), published_names())
    # when
    response = admin_client.post(
        url("invoice", "changelist"), {"action": "pay_selected", "_selected_action": [canceled.pk]}
    )
    # then
    assert flash(response) == [
        (
            "error",
            f"Invoice {canceled.pk}: invoice cannot be paid for: it is canceled, and only pending invoices can be.",
        )
    ]
    assert (invoice_state(canceled.pk), published_names()) == before


def test_staff_who_may_only_view_invoices_get_no_actions(client):
    # given
    staff = staff_client(client, "view_invoice")
    invoice = InvoiceFactory()
    # when
    listing = staff.get(url("invoice", "changelist"))
    attempt = staff.post(
        url("invoice", "changelist"), {"action": "pay_selected", "_selected_action": [invoice.pk]}
    )
    # then
    assert listing.status_code == 200
    assert "pay_selected" not in listing.content.decode()
    assert attempt.status_code == 200  # the unknown action is ignored
    assert invoice_state(invoice.pk)[1] == "pending"


# --- adjust the amount ----------------------------------------------------------------------------


def test_a_pending_invoice_links_to_the_adjust_form_and_a_paid_one_does_not(admin_client):
    # given
    pending, paid = InvoiceFactory(), InvoiceFactory(status="paid")
    # when
    pending_page = admin_client.get(url("invoice", "change", pending.pk)).content.decode()
    paid_page = admin_client.get(url("invoice", "change", paid.pk)).content.decode()
    # then
    assert url("invoice", "adjust", pending.pk) in pending_page
    assert url("invoice", "adjust", paid.pk) not in paid_page


def test_adjusting_calls_the_service(admin_client):
    # given
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    page = admin_client.get(url("invoice", "adjust", invoice.pk))
    # when
    response = admin_client.post(url("invoice", "adjust", invoice.pk), {"amount": "40.00"})
    # then
    assert isinstance(page.context["form"], AdjustInvoiceForm)
    assert page.context["form"].initial == {"amount": Decimal("42.50")}
    assert (response.status_code, response["Location"]) == (302, url("invoice", "change", invoice.pk))
    assert flash(response) == [("success", f"Adjusted the amount of invoice {invoice.pk}.")]
    assert invoice_state(invoice.pk) == (Decimal("40.00"), "pending", 2)


@pytest.mark.parametrize(
    ("status", "amount", "message"),
    [
        ("paid", "40.00", "the invoice cannot be adjusted"),
        ("pending", "-1.00", "the invoice amount cannot be negative"),
    ],
)
def test_an_adjustment_the_domain_refuses_shows_the_error(admin_client, status, amount, message):
    # given
    invoice = InvoiceFactory(status=status, amount=Decimal("42.50"))
    before = invoice_state(invoice.pk)
    # when
    response = admin_client.post(url("invoice", "adjust", invoice.pk), {"amount": amount})
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", message)]
    assert invoice_state(invoice.pk) == before


def test_adjusting_an_unknown_invoice_goes_back_to_the_list(admin_client):
    # when
    response = admin_client.get(url("invoice", "adjust", new_id()))
    # then
    assert (response.status_code, response["Location"]) == (302, url("invoice", "changelist"))
    assert flash(response) == [("warning", "the invoice was not found")]


def test_staff_without_the_change_permission_cannot_adjust(client):
    # given
    staff = staff_client(client, "view_invoice")
    invoice = InvoiceFactory(amount=Decimal("42.50"))
    # when
    response = staff.post(url("invoice", "adjust", invoice.pk), {"amount": "1.00"})
    # then
    assert response.status_code == 403
    assert invoice_state(invoice.pk) == (Decimal("42.50"), "pending", 1)

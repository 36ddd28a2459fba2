"""The back office: read-only customers, and every change through a service."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.customers.admin import ChangeSmsNumberForm, RegisterCustomerForm
from apps.customers.models import Customer
from mallbots.kernel.messaging.models import StreamMessage
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CHANGELIST = "admin:customers_customer_changelist"


def url(view: str, *args: object) -> str:
    return reverse(f"admin:customers_customer_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def state(customer_id: object) -> tuple[str, str, bool, int]:
    c = Customer.objects.get(pk=customer_id)
    return c.name, c.sms_number, c.enabled, c.version


def outbox_names(customer_id: object) -> list[str]:
    rows = StreamMessage.objects.filter(partition_key=str(customer_id)).order_by("position")
    return list(rows.values_list("name", flat=True))


def staff_client(client: Client, *codenames: str) -> Client:
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    return client


# --- listing and detail -----------------------------------------------------------------------


def test_changelist_and_detail_answer_200_for_a_superuser(admin_client):
    # given
    customer = CustomerFactory(name="Ada Lovelace", sms_number="555-555-1212")
    # when
    listing = admin_client.get(url("changelist"))
    detail = admin_client.get(url("change", customer.pk))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [customer]
    assert detail.status_code == 200
    assert detail.context["original"] == customer
    assert "555-555-1212" in detail.content.decode()
    assert url("change_sms", customer.pk) in detail.content.decode()


def test_changelist_lists_customers_without_a_query_per_row(admin_client, django_assert_max_num_queries):
    # given
    for _ in range(3):
        CustomerFactory()
    admin_client.get(url("changelist"))  # session and user loaded once
    # when
    with django_assert_max_num_queries(8):
        listing = admin_client.get(url("changelist"))
    # then
    assert len(listing.context["cl"].result_list) == 3


@pytest.mark.parametrize(("query", "expected"), [("lovelace", ["Ada Lovelace"]), ("0199", ["Grace Hopper"])])
def test_customers_are_found_by_name_and_by_sms_number(admin_client, query, expected):
    # given
    CustomerFactory(name="Ada Lovelace", sms_number="555-555-1212")
    CustomerFactory(name="Grace Hopper", sms_number="555-555-0199")
    # when
    listing = admin_client.get(url("changelist"), {"q": query})
    # then
    assert [c.name for c in listing.context["cl"].result_list] == expected


def test_customers_are_filtered_by_enabled(admin_client):
    # given
    CustomerFactory(name="Ada")
    CustomerFactory(name="Grace", enabled=False)
    # when
    enabled = admin_client.get(url("changelist"), {"enabled__exact": "1"})
    disabled = admin_client.get(url("changelist"), {"enabled__exact": "0"})
    # then
    assert [c.name for c in enabled.context["cl"].result_list] == ["Ada"]
    assert [c.name for c in disabled.context["cl"].result_list] == ["Grace"]


# --- read-only ----------------------------------------------------------------------------------


def test_customers_cannot_be_changed_or_deleted_by_hand(admin_client):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    change = admin_client.post(
        url("change", customer.pk), {"name": "Eve", "sms_number": "555-555-6666", "enabled": ""}
    )
    delete = admin_client.post(url("delete", customer.pk), {"post": "yes"})
    listing = admin_client.get(url("changelist"))
    # then
    assert (change.status_code, delete.status_code) == (403, 403)
    assert "delete_selected" not in listing.content.decode()
    assert state(customer.pk) == ("Ada", "555-555-1212", True, 1)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered"]


def test_the_detail_page_shows_no_editable_field(admin_client):
    # given
    customer = CustomerFactory()
    # when
    detail = admin_client.get(url("change", customer.pk))
    # then
    assert list(detail.context["adminform"].form.fields) == []
    assert detail.context["has_change_permission"] is False


# --- register -----------------------------------------------------------------------------------


def test_the_add_page_is_the_registration_form(admin_client):
    # when
    page = admin_client.get(url("add"))
    listing = admin_client.get(url("changelist"))
    # then
    assert page.status_code == 200
    assert isinstance(page.context["form"], RegisterCustomerForm)
    assert page.context["title"] == "Register customer"
    assert "Register customer" in listing.content.decode()


def test_registering_calls_the_service_and_opens_the_new_customer(admin_client):
    # when
    response = admin_client.post(url("add"), {"name": "Ada Lovelace", "sms_number": "555-555-1212"})
    # then
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("change", customer.pk)
    assert flash(response) == [("success", "Registered the customer “Ada Lovelace”.")]
    assert state(customer.pk) == ("Ada Lovelace", "555-555-1212", True, 1)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered"]


def test_a_registration_the_domain_refuses_shows_the_error_and_stores_nothing(admin_client):
    # when
    response = admin_client.post(url("add"), {"name": "Ada", "sms_number": "call me"})
    # then
    assert response.status_code == 200
    assert response.context["form"].data["sms_number"] == "call me"
    assert flash(response) == [("error", "the SMS number is not valid")]
    assert Customer.objects.count() == 0
    assert StreamMessage.objects.count() == 0


def test_a_registration_with_missing_fields_shows_the_form_errors(admin_client):
    # when
    response = admin_client.post(url("add"), {"name": "", "sms_number": ""})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["This field is required."],
        "sms_number": ["This field is required."],
    }
    assert Customer.objects.count() == 0


def test_staff_without_the_add_permission_cannot_register(client):
    # given
    staff = staff_client(client, "view_customer")
    # when
    response = staff.post(url("add"), {"name": "Ada", "sms_number": "555-555-1212"})
    # then
    assert response.status_code == 403
    assert Customer.objects.count() == 0


# --- enable / disable actions ---------------------------------------------------------------


def test_disable_action_disables_the_selected_customers(admin_client):
    # given
    chosen = [CustomerFactory(), CustomerFactory()]
    other = CustomerFactory()
    # when
    response = admin_client.post(
        url("changelist"), {"action": "disable_selected", "_selected_action": [c.pk for c in chosen]}
    )
    # then
    assert response.status_code == 302
    assert flash(response) == [("success", "Disabled 2 customers.")]
    assert [state(c.pk)[2:] for c in chosen] == [(False, 2), (False, 2)]
    assert state(other.pk)[2:] == (True, 1)
    assert [outbox_names(c.pk)[-1] for c in chosen] == ["customersapi.CustomerDisabled"] * 2


def test_enable_action_reports_each_refusal_as_an_error(admin_client):
    # given
    disabled = CustomerFactory(name="Grace", enabled=False)
    enabled = CustomerFactory(name="Ada")
    # when
    response = admin_client.post(
        url("changelist"), {"action": "enable_selected", "_selected_action": [disabled.pk, enabled.pk]}
    )
    # then
    assert sorted(flash(response)) == [
        ("error", "Ada: the customer is already enabled"),
        ("success", "Enabled 1 customer."),
    ]
    assert state(disabled.pk)[2:] == (True, 3)
    assert state(enabled.pk)[2:] == (True, 1)
    assert outbox_names(enabled.pk) == ["customersapi.CustomerRegistered"]


def test_disable_action_on_a_disabled_customer_changes_nothing(admin_client):
    # given
    customer = CustomerFactory(name="Grace", enabled=False)
    # when
    response = admin_client.post(
        url("changelist"), {"action": "disable_selected", "_selected_action": [customer.pk]}
    )
    # then
    assert flash(response) == [("error", "Grace: the customer is already disabled")]
    assert state(customer.pk)[2:] == (False, 2)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered", "customersapi.CustomerDisabled"]


def test_staff_with_only_the_view_permission_see_customers_but_cannot_act(client):
    # given
    customer = CustomerFactory()
    staff = staff_client(client, "view_customer")
    # when
    listing = staff.get(url("changelist"))
    detail = staff.get(url("change", customer.pk))
    staff.post(url("changelist"), {"action": "disable_selected", "_selected_action": [customer.pk]})
    sms_form = staff.get(url("change_sms", customer.pk))
    # then
    assert (listing.status_code, detail.status_code, sms_form.status_code) == (200, 200, 403)
    assert "disable_selected" not in listing.content.decode()
    assert url("change_sms", customer.pk) not in detail.content.decode()
    assert state(customer.pk)[2:] == (True, 1)


def test_staff_with_the_change_permission_can_act(client):
    # given
    customer = CustomerFactory()
    staff = staff_client(client, "view_customer", "change_customer")
    # when
    response = staff.post(
        url("changelist"), {"action": "disable_selected", "_selected_action": [customer.pk]}
    )
    # then
    assert flash(response) == [("success", "Disabled 1 customer.")]
    assert state(customer.pk)[2:] == (False, 2)


# --- change the SMS number --------------------------------------------------------------------


def test_the_change_sms_form_starts_from_the_current_number(admin_client):
    # given
    customer = CustomerFactory(sms_number="555-555-1212")
    # when
    page = admin_client.get(url("change_sms", customer.pk))
    # then
    assert page.status_code == 200
    assert isinstance(page.context["form"], ChangeSmsNumberForm)
    assert page.context["form"].initial == {"sms_number": "555-555-1212"}
    assert page.context["original"] == customer


def test_changing_the_sms_number_calls_the_service(admin_client):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    response = admin_client.post(url("change_sms", customer.pk), {"sms_number": "+1 555 555 0199"})
    # then
    assert (response.status_code, response["Location"]) == (302, url("change", customer.pk))
    assert flash(response) == [("success", "Changed the SMS number of “Ada”.")]
    assert state(customer.pk) == ("Ada", "+1 555 555 0199", True, 2)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered", "customersapi.CustomerSmsChanged"]


def test_an_sms_number_the_domain_refuses_shows_the_error_and_changes_nothing(admin_client):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    response = admin_client.post(url("change_sms", customer.pk), {"sms_number": "12"})
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", "the SMS number is not valid")]
    assert state(customer.pk) == ("Ada", "555-555-1212", True, 1)
    assert outbox_names(customer.pk) == ["customersapi.CustomerRegistered"]


@pytest.mark.parametrize("customer_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_the_change_sms_form_of_an_unknown_customer_goes_back_to_the_list(admin_client, customer_id):
    # when
    response = admin_client.get(url("change_sms", customer_id))
    # then
    assert (response.status_code, response["Location"]) == (302, url("changelist"))
    assert flash(response) == [("warning", "the customer was not found")]

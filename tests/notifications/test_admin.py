"""The back office: the SMS sent and the customer cache, both read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.notifications import services
from apps.notifications.models import CustomerCache, SentNotification
from tests.notifications.factories import CachedCustomerFactory, new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MODELS = ["sentnotification", "customercache"]


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:notifications_{model}_{view}", args=args)


def sent(order_id: str, customer_id: str, kind: str = "ready") -> SentNotification:
    if kind == "ready":
        services.notification_send_order_ready(
            order_id=order_id, customer_id=customer_id, total=Decimal("9.99")
        )
    else:
        services.notification_send_order_canceled(order_id=order_id, customer_id=customer_id)
    return SentNotification.objects.get(order_id=order_id, kind=kind)


@pytest.fixture
def rows() -> dict[str, object]:
    customer = CachedCustomerFactory()
    return {"sentnotification": sent(new_id(), customer.id), "customercache": customer}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_detail_answer_200_for_a_superuser(admin_client, rows, model):
    # given
    obj = rows[model]
    # when
    listing = admin_client.get(url(model, "changelist"))
    detail = admin_client.get(url(model, "change", obj.pk))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [obj]
    assert detail.status_code == 200
    assert detail.context["original"] == obj


@pytest.mark.parametrize("model", MODELS)
def test_rows_cannot_be_added_changed_or_deleted(admin_client, rows, model):
    # given
    obj = rows[model]
    before = list(type(obj).objects.values())
    # when
    listing = admin_client.get(url(model, "changelist"))
    add = admin_client.post(url(model, "add"), {"order_id": "x", "name": "x"})
    change = admin_client.post(url(model, "change", obj.pk), {"sms_number": "555-9999", "text": "x"})
    delete = admin_client.post(url(model, "delete", obj.pk), {"post": "yes"})
    # then
    assert url(model, "add") not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(type(obj).objects.values()) == before


def test_the_sms_detail_shows_what_was_sent_to_whom(admin_client):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    notification = sent("c0ffee-" + new_id(), customer.id)
    # when
    detail = admin_client.get(url("sentnotification", "change", notification.pk))
    # then
    page = detail.content.decode()
    assert "MallBots: your order c0ffee is ready for pickup. Total 9.99." in page
    assert "555-0100" in page
    assert customer.id in page


def test_the_sms_list_filters_by_kind(admin_client):
    # given
    customer = CachedCustomerFactory()
    order_id = new_id()
    ready, canceled = sent(order_id, customer.id, "ready"), sent(order_id, customer.id, "canceled")
    # when
    listing = admin_client.get(url("sentnotification", "changelist"), {"kind": "canceled"})
    # then
    assert list(listing.context["cl"].result_list) == [canceled]
    assert ready not in listing.context["cl"].result_list


@pytest.mark.parametrize("search", ["short order id", "whole order id", "customer id", "number"])
def test_the_sms_list_is_searched_by_order_customer_or_number(admin_client, search):
    # given
    wanted_customer = CachedCustomerFactory(sms_number="555-0142")
    other_customer = CachedCustomerFactory(sms_number="555-0999")
    wanted = sent("abc123-" + new_id(), wanted_customer.id)
    sent("fed987-" + new_id(), other_customer.id)
    term = {
        "short order id": "abc123",
        "whole order id": wanted.order_id,
        "customer id": wanted_customer.id,
        "number": "0142",
    }[search]
    # when
    listing = admin_client.get(url("sentnotification", "changelist"), {"q": term})
    # then
    assert list(listing.context["cl"].result_list) == [wanted]


def test_the_customer_cache_is_searched_by_name_or_number(admin_client):
    # given
    ada = CachedCustomerFactory(name="Ada Lovelace", sms_number="555-0100")
    CachedCustomerFactory(name="Bob", sms_number="555-0200")
    # when
    by_name = admin_client.get(url("customercache", "changelist"), {"q": "lovelace"})
    by_number = admin_client.get(url("customercache", "changelist"), {"q": "0100"})
    # then
    assert list(by_name.context["cl"].result_list) == [ada]
    assert list(by_number.context["cl"].result_list) == [ada]


def test_the_sms_list_takes_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    # given
    customer = CachedCustomerFactory()
    for _ in range(30):
        sent(new_id(), customer.id)
    # when
    with django_assert_max_num_queries(12):
        listing = admin_client.get(url("sentnotification", "changelist"))
    # then
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 30


def test_a_user_without_permissions_cannot_see_the_pages(client, rows, django_user_model):
    # given a staff user with no permission
    user = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(user)
    # when
    responses = [client.get(url(model, "changelist")).status_code for model in MODELS]
    # then
    assert responses == [403, 403]
    assert CustomerCache.objects.count() == 1

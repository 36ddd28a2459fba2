"""The back office: baskets and caches are read-only; canceling goes through the service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.baskets import services
from apps.baskets.models import Basket, StoreCache
from mallbots.kernel.messaging.models import StreamMessage
from tests.baskets.factories import BasketFactory, CachedProductFactory, CachedStoreFactory
from tests.baskets.helpers import events_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MODELS = ["basket", "storecache", "productcache"]


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:baskets_{model}_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def rows() -> dict[str, object]:
    product = CachedProductFactory()
    return {
        "basket": BasketFactory(items=[(product, 2)]),
        "storecache": StoreCache.objects.get(id=product.store_id),
        "productcache": product,
    }


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
    add = admin_client.post(url(model, "add"), {})
    change = admin_client.post(url(model, "change", obj.pk), {"customer_id": "x", "name": "x"})
    delete = admin_client.post(url(model, "delete", obj.pk), {"post": "yes"})
    # then
    assert url(model, "add") not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(type(obj).objects.values()) == before


def test_basket_detail_shows_the_items_and_the_event_history(admin_client):
    # given
    store = CachedStoreFactory(name="Threads")
    shirt = CachedProductFactory(store=store, name="Shirt", price=Decimal("9.99"))
    basket = BasketFactory(items=[(shirt, 2)], payment_id="payment-1")
    # when
    response = admin_client.get(url("basket", "change", basket.id))
    # then
    content = response.content.decode()
    assert "<td>Threads</td><td>Shirt</td>" in content
    assert "<td>9.99</td><td>2</td><td>19.98</td>" in content
    for version, event_type in events_of(basket.id):
        assert f"<tr><td>{version}</td><td>{event_type}</td>" in content
    assert "&quot;payment_id&quot;: &quot;payment-1&quot;" in content


def test_baskets_are_filtered_by_status_and_found_by_customer(admin_client):
    # given
    product = CachedProductFactory()
    open_basket = BasketFactory(customer_id="customer-a")
    checked_out = BasketFactory(customer_id="customer-b", items=[(product, 1)], payment_id="payment-1")
    canceled = BasketFactory(customer_id="customer-a", canceled=True)
    changelist = url("basket", "changelist")
    # when
    by_status = admin_client.get(changelist, {"status__exact": "checked_out"})
    by_customer = admin_client.get(changelist, {"q": "customer-a"})
    # then
    assert list(by_status.context["cl"].result_list) == [checked_out]
    assert sorted(b.id for b in by_customer.context["cl"].result_list) == sorted(
        [open_basket.id, canceled.id]
    )


def test_cancel_action_cancels_open_baskets_and_reports_the_others_as_errors(admin_client):
    # given
    product = CachedProductFactory()
    open_basket = BasketFactory(items=[(product, 1)])
    checked_out = BasketFactory(items=[(product, 1)], payment_id="payment-1")
    outbox_before = StreamMessage.objects.count()
    # when
    response = admin_client.post(
        url("basket", "changelist"),
        {"action": "cancel_selected", "_selected_action": [open_basket.id, checked_out.id]},
    )
    # then
    assert response.status_code == 302
    assert sorted(flash(response)) == [
        (
            "error",
            f"Basket {checked_out.id}: the basket cannot be cancelled: it is checked out, and only open "
            "baskets can be.",
        ),
        ("success", "Canceled 1 basket."),
    ]
    assert Basket.objects.get(id=open_basket.id).status == "canceled"
    assert Basket.objects.get(id=checked_out.id).status == "checked_out"
    assert events_of(checked_out.id)[-1] == (3, "baskets.BasketCheckedOut")
    assert list(StreamMessage.objects.order_by("position").values_list("name", "partition_key"))[
        outbox_before:
    ] == [("basketsapi.BasketCanceled", open_basket.id)]


def test_cancel_action_is_offered_only_to_staff_who_may_delete_baskets():
    # given staff who may only view baskets
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_basket"))
    client = Client()
    client.force_login(viewer)
    basket = BasketFactory()
    # when
    listing = client.get(url("basket", "changelist"))
    attempt = client.post(
        url("basket", "changelist"), {"action": "cancel_selected", "_selected_action": [basket.id]}
    )
    # then
    assert listing.status_code == 200
    assert "cancel_selected" not in listing.content.decode()
    assert attempt.status_code == 200  # the changelist again: no such action for this user
    assert Basket.objects.get(id=basket.id).status == "open"
    assert len(events_of(basket.id)) == 1


def test_a_removed_product_leaves_the_product_cache(admin_client):
    # given
    kept = CachedProductFactory()
    removed = CachedProductFactory()
    # when
    services.product_cache_remove(product_id=removed.id)
    response = admin_client.get(url("productcache", "changelist"))
    # then
    assert list(response.context["cl"].result_list) == [kept]


def test_basket_changelist_does_not_query_per_row(admin_client):
    # given
    product = CachedProductFactory()
    BasketFactory(items=[(product, 1)])
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url("basket", "changelist"))
    for _ in range(10):
        BasketFactory(items=[(product, 2)])
    # when
    with CaptureQueriesContext(connection) as eleven:
        response = admin_client.get(url("basket", "changelist"))
    # then
    assert len(response.context["cl"].result_list) == 11
    assert len(eleven) == len(one)

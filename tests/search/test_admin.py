"""The back office: read-only searchable orders and customer cache, the refresh action calling
the service, errors shown as messages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.ordering import contracts as ordering
from apps.search import services
from apps.search.domain import OrderStatus
from apps.search.models import CustomerCache, SearchOrder
from mallbots.kernel.ddd import FailedPrecondition
from tests.search.factories import SearchOrderFactory, line, new_id, order_info
from tests.search.helpers import rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MODELS = ["searchorder", "customercache"]


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:search_{model}_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def objects() -> dict:
    customer_id = new_id()
    services.customer_cache_add(customer_id=customer_id, name="Ada Lovelace")
    order = SearchOrderFactory(customer_id=customer_id)
    return {"searchorder": order, "customercache": CustomerCache.objects.get(id=customer_id)}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_detail_answer_200_for_a_superuser(admin_client, objects, model):
    # given
    obj = objects[model]
    # when
    listing = admin_client.get(url(model, "changelist"))
    detail = admin_client.get(url(model, "change", obj.pk))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [obj]
    assert detail.status_code == 200
    assert detail.context["original"] == obj


@pytest.mark.parametrize("model", MODELS)
def test_rows_cannot_be_added_changed_or_deleted(admin_client, objects, model):
    # given
    obj = objects[model]
    before = list(type(obj).objects.values())
    # when
    listing = admin_client.get(url(model, "changelist"))
    add = admin_client.post(url(model, "add"), {})
    change = admin_client.post(url(model, "change", obj.pk), {"status": "completed", "name": "x"})
    delete = admin_client.post(url(model, "delete", obj.pk), {"post": "yes"})
    # then
    assert url(model, "add") not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(type(obj).objects.values()) == before


def test_order_detail_shows_the_items_with_line_totals(admin_client):
    # given
    order = SearchOrderFactory(
        items=[line(product_name="Shirt", store_name="Threads", price="9.99", quantity=2)]
    )
    # when
    response = admin_client.get(url("searchorder", "change", order.order_id))
    # then
    content = response.content.decode()
    assert "<td>Threads</td><td>Shirt</td>" in content
    assert "<td>9.99</td><td>2</td><td>19.98</td>" in content


def test_orders_are_filtered_by_status_and_found_by_ids_and_customer_name(admin_client):
    # given
    ada, grace = new_id(), new_id()
    services.customer_cache_add(customer_id=ada, name="Ada Lovelace")
    services.customer_cache_add(customer_id=grace, name="Grace Hopper")
    first = SearchOrderFactory(customer_id=ada)
    ready = SearchOrderFactory(customer_id=grace, status=OrderStatus.READY)
    changelist = url("searchorder", "changelist")
    # when
    by_status = admin_client.get(changelist, {"status__exact": "ready"})
    by_order = admin_client.get(changelist, {"q": first.order_id})
    by_customer = admin_client.get(changelist, {"q": grace})
    by_name = admin_client.get(changelist, {"q": "lovel"})
    # then
    assert list(by_status.context["cl"].result_list) == [ready]
    assert list(by_order.context["cl"].result_list) == [first]
    assert list(by_customer.context["cl"].result_list) == [ready]
    assert list(by_name.context["cl"].result_list) == [first]


def test_the_changelist_takes_the_same_number_of_queries_however_many_orders(
    admin_client, django_assert_max_num_queries
):
    # given
    for _ in range(30):
        SearchOrderFactory()
    # when
    with django_assert_max_num_queries(10):
        response = admin_client.get(url("searchorder", "changelist"))
    # then
    assert len(response.context["cl"].result_list) == 30


def test_refresh_action_brings_selected_rows_to_the_ordering_contexts_state(admin_client, ordering_has):
    # given
    stale = SearchOrderFactory()
    gone = SearchOrderFactory()
    ordering_has(order_info(order_id=stale.order_id, customer_id=stale.customer_id, status="completed"))
    # when
    response = admin_client.post(
        url("searchorder", "changelist"),
        {"action": "refresh_selected", "_selected_action": [stale.order_id, gone.order_id]},
    )
    # then
    assert response.status_code == 302
    assert flash(response) == [("success", "Refreshed from the ordering context: 1 deleted, 1 updated.")]
    assert SearchOrder.objects.get(order_id=stale.order_id).status == "completed"
    assert not SearchOrder.objects.filter(order_id=gone.order_id).exists()


def test_refresh_action_shows_a_refusal_as_an_error_message(admin_client, monkeypatch):
    # given
    order = SearchOrderFactory()
    before = rows()

    def get_order(order_id: str) -> None:
        raise FailedPrecondition("the ordering context is being migrated")

    monkeypatch.setattr(ordering, "get_order", get_order)
    # when
    response = admin_client.post(
        url("searchorder", "changelist"),
        {"action": "refresh_selected", "_selected_action": [order.order_id]},
    )
    # then
    assert response.status_code == 302
    assert flash(response) == [("error", f"Order {order.order_id}: the ordering context is being migrated.")]
    assert rows() == before


def test_refresh_is_offered_only_to_staff_who_may_change_searchable_orders(ordering_has):
    # given staff who may only view them, and an order ordering lacks (a refresh would delete it)
    ordering_has()
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_searchorder"))
    client = Client()
    client.force_login(viewer)
    order = SearchOrderFactory()
    # when
    listing = client.get(url("searchorder", "changelist"))
    refused = client.post(
        url("searchorder", "changelist"),
        {"action": "refresh_selected", "_selected_action": [order.order_id]},
    )
    # then
    assert listing.status_code == 200
    assert "refresh_selected" not in listing.content.decode()
    assert refused.status_code == 200  # Django answers an unknown action with the list again
    assert SearchOrder.objects.filter(order_id=order.order_id).exists()

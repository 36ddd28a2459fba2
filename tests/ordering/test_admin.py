"""The back office: orders are read-only, each with its saga timeline; cancelling goes through
the service."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.customers import services as customers
from apps.depot import contracts as depot
from apps.ordering.models import Order
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import publish
from mallbots.kernel.messaging.models import StreamMessage
from tests.kernel.messaging.helpers import deliveries_of
from tests.ordering.factories import OrderFactory, item
from tests.ordering.helpers import events_of, row

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def url(view: str, *args: object) -> str:
    return reverse(f"admin:ordering_order_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_changelist_and_detail_answer_200_for_a_superuser(admin_client):
    # given
    order = OrderFactory()
    # when
    listing = admin_client.get(url("changelist"))
    detail = admin_client.get(url("change", order.id))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [order]
    assert detail.status_code == 200
    assert detail.context["original"] == order


def test_orders_cannot_be_added_changed_or_deleted(admin_client):
    # given
    order = OrderFactory()
    before = list(Order.objects.values())
    # when
    listing = admin_client.get(url("changelist"))
    add = admin_client.post(url("add"), {})
    change = admin_client.post(url("change", order.id), {"status": "completed"})
    delete = admin_client.post(url("delete", order.id), {"post": "yes"})
    # then
    assert url("add") not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(Order.objects.values()) == before
    assert len(events_of(order.id)) == 1


def test_order_detail_shows_the_items_the_total_and_the_ids(admin_client):
    # given
    shirt = item(price="9.99", quantity=2, product_name="Shirt", store_name="Threads")
    order = OrderFactory(items=[shirt], status="in-progress", shopping_id="shopping-1", bot_id="bot-1")
    # when
    response = admin_client.get(url("change", order.id))
    # then
    content = response.content.decode()
    assert f"<td>Threads</td><td>Shirt</td><td>{shirt.product_id}</td>" in content
    assert "<td>9.99</td><td>2</td><td>19.98</td>" in content
    assert "<th colspan='5'>total</th><th>19.98</th>" in content
    for value in ("shopping-1", "bot-1", order.customer_id, order.payment_id):
        assert value in content


def test_order_detail_shows_the_saga_timeline_across_contexts(admin_client):
    # given an order approved by the depot's message (published under the order id), handled
    # through the inbox
    order = OrderFactory()
    with message_context.use(correlation_id=order.id), transaction.atomic():
        publish(depot.ShoppingListInitiated(id="shopping-1", order_id=order.id))
    [(handler, envelope, seq)] = [
        d for d in deliveries_of(StreamMessage.objects.get(producer="depot")) if d[0].startswith("ordering.")
    ]
    consumer.process(handler, envelope, seq)
    assert row(order.id)["status"] == "approved"
    # when
    response = admin_client.get(url("change", order.id))
    # then
    content = response.content.decode()
    assert f"<td>event</td><td>ordering.Order {order.id} v1</td><td>ordering.OrderCreated</td>" in content
    assert f"<td>event</td><td>ordering.Order {order.id} v2</td><td>ordering.OrderApproved</td>" in content
    assert "<td>published</td><td>ordering</td><td>ordersapi.OrderApproved</td>" in content
    assert (
        "<td>handled</td><td>ordering.on_depot_shopping_list_initiated</td>"
        "<td>depotapi.ShoppingListInitiated</td><td>handled</td>" in content
    )


def test_orders_are_filtered_by_status_and_found_by_customer_or_id(admin_client):
    # given
    pending = OrderFactory(customer_id="customer-a")
    approved = OrderFactory(customer_id="customer-b", status="approved")
    rejected = OrderFactory(customer_id="customer-a", status="rejected")
    changelist = url("changelist")
    # when
    by_status = admin_client.get(changelist, {"status__exact": "approved"})
    by_customer = admin_client.get(changelist, {"q": "customer-a"})
    by_id = admin_client.get(changelist, {"q": rejected.id})
    # then
    assert list(by_status.context["cl"].result_list) == [approved]
    assert sorted(o.id for o in by_customer.context["cl"].result_list) == sorted([pending.id, rejected.id])
    assert list(by_id.context["cl"].result_list) == [rejected]


def test_cancel_action_cancels_pending_and_approved_orders_and_reports_the_others(admin_client):
    # given
    pending = OrderFactory()
    approved = OrderFactory(status="approved")
    ready = OrderFactory(status="ready")
    outbox_before = StreamMessage.objects.count()
    # when
    response = admin_client.post(
        url("changelist"),
        {"action": "cancel_selected", "_selected_action": [pending.id, approved.id, ready.id]},
    )
    # then
    assert response.status_code == 302
    assert sorted(flash(response)) == [
        (
            "error",
            f"Order {ready.id}: the order cannot be cancelled: it is ready, and only pending and "
            "approved orders can be.",
        ),
        ("success", "Cancelled 2 orders."),
    ]
    assert (row(pending.id)["status"], row(approved.id)["status"], row(ready.id)["status"]) == (
        "cancelled",
        "cancelled",
        "ready",
    )
    assert len(events_of(ready.id)) == 4
    assert sorted(
        StreamMessage.objects.order_by("position").values_list("name", "partition_key")[outbox_before:]
    ) == sorted([("ordersapi.OrderCanceled", pending.id), ("ordersapi.OrderCanceled", approved.id)])


def test_the_order_page_offers_cancelling_only_while_the_order_can_be_cancelled(admin_client):
    # given
    approved = OrderFactory(status="approved")
    ready = OrderFactory(status="ready")
    # when
    offered = admin_client.get(url("change", approved.id)).content.decode()
    not_offered = admin_client.get(url("change", ready.id)).content.decode()
    refused = admin_client.get(url("cancel", ready.id))
    # then
    assert url("cancel", approved.id) in offered
    assert url("cancel", ready.id) not in not_offered
    assert refused.context["intro"] == [
        "The order is ready: only pending and approved orders can be cancelled."
    ]


def test_the_cancel_button_cancels_the_order_through_the_service(admin_client):
    # given
    order = OrderFactory(status="approved")
    # when
    page = admin_client.get(url("cancel", order.id))
    done = admin_client.post(url("cancel", order.id))
    # then
    assert page.status_code == 200
    assert done["Location"] == url("change", order.id)
    assert flash(done) == [("success", f"Cancelled the order {order.id}.")]
    assert row(order.id)["status"] == "cancelled"
    assert Event.objects.get(stream_id=order.id, version=3).metadata["correlation_id"] == order.id


def test_orders_list_the_customer_s_name_and_are_found_by_it(admin_client):
    # given
    ada = customers.customer_register(name="Ada Lovelace", sms_number="555-555-0001")
    grace = customers.customer_register(name="Grace Hopper", sms_number="555-555-0002")
    adas = OrderFactory(customer_id=ada)
    OrderFactory(customer_id=grace)
    # when
    listing = admin_client.get(url("changelist"))
    by_name = admin_client.get(url("changelist"), {"q": "lovelace"})
    # then
    content = listing.content.decode()
    assert f'title="{ada}">Ada Lovelace <span class="mall-short">{ada[:8]}</span></a>' in content
    assert [o.id for o in by_name.context["cl"].result_list] == [adas.id]


def test_the_order_page_draws_the_saga_as_a_swimlane_with_a_lane_per_context(admin_client):
    # given an order approved by the depot's message, handled through the inbox
    order = OrderFactory()
    with message_context.use(correlation_id=order.id), transaction.atomic():
        publish(depot.ShoppingListInitiated(id="shopping-1", order_id=order.id))
    [(handler, envelope, seq)] = [
        d for d in deliveries_of(StreamMessage.objects.get(producer="depot")) if d[0].startswith("ordering.")
    ]
    consumer.process(handler, envelope, seq)
    # when
    content = admin_client.get(url("change", order.id)).content.decode()
    # then: lanes ordering and depot, two stored events (circles), an arrow from depot's publication
    start = content.index('<div class="swimlane">')
    svg = content[start : content.index("</svg>", start)]
    assert [lane for lane in ("baskets", "ordering", "customers", "depot") if f">{lane}</text>" in svg] == [
        "ordering",
        "depot",
    ]
    assert svg.count("<circle") == 2
    assert 'marker-end="url(#swimlane-arrow)"' in svg
    assert ">OrderApproved</text>" in svg


def test_cancel_action_runs_under_the_order_id_as_correlation_id(admin_client):
    # given
    order = OrderFactory()
    # when
    admin_client.post(url("changelist"), {"action": "cancel_selected", "_selected_action": [order.id]})
    # then
    metadata = Event.objects.get(stream_id=order.id, version=2).metadata
    assert (metadata["correlation_id"], metadata["actor"]) == (order.id, "admin")
    assert StreamMessage.objects.get(name="ordersapi.OrderCanceled").correlation_id == order.id


def test_cancel_action_is_offered_only_to_staff_who_may_delete_orders():
    # given staff who may only view orders
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client = Client()
    client.force_login(viewer)
    order = OrderFactory()
    # when
    listing = client.get(url("changelist"))
    detail = client.get(url("change", order.id))
    attempt = client.post(url("changelist"), {"action": "cancel_selected", "_selected_action": [order.id]})
    # then
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "cancel_selected" not in listing.content.decode()
    assert attempt.status_code == 200  # the changelist again: no such action for this user
    assert row(order.id)["status"] == "pending"
    assert len(events_of(order.id)) == 1


def test_order_changelist_does_not_query_per_row(admin_client):
    # given
    OrderFactory()
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url("changelist"))
    for _ in range(10):
        OrderFactory(items=[item(price="1.00", quantity=3)])
    # when
    with CaptureQueriesContext(connection) as eleven:
        response = admin_client.get(url("changelist"))
    # then
    assert len(response.context["cl"].result_list) == 11
    assert len(eleven) == len(one)
    assert Decimal("3.00") in {o.total for o in response.context["cl"].result_list}


@pytest.mark.parametrize("mode", ["choreography", "orchestration"])
def test_an_orders_page_says_how_its_saga_runs_and_links_an_orchestrated_one(admin_client, settings, mode):
    # given an order created in `mode`
    from apps.ordering import services
    from mallbots.kernel.sagas.models import SagaInstance

    settings.MALLBOTS_SAGA = mode
    order_id = services.order_create(
        order_id=str(uuid.uuid4()), customer_id="c", payment_id="p", items=[item()]
    )
    # when
    page = admin_client.get(url("change", order_id)).content.decode()
    # then
    if mode == "orchestration":
        instance = SagaInstance.objects.get(saga_id=order_id)
        link = reverse("admin:sagas_sagainstance_change", args=[instance.pk])
        assert f'orchestration: <a href="{link}">its ordering.CreateOrder saga</a>, running' in page
    else:
        assert "choreography: each context reacts to the previous one&#x27;s event" in page
    assert admin_client.get(url("changelist"), {"saga__exact": mode}).context["cl"].result_count == 1

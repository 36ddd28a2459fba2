"""The event stream browser: any stream's events in order and its aggregate's state as of any
version, replayed by the aggregate class its repository registered for the stream type."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from apps.ordering import services as ordering
from apps.ordering.domain import Item, Order
from mallbots.kernel.eventstore import store
from mallbots.kernel.eventstore.models import Event

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

STREAM = "/admin/eventstore/event/stream/"


def an_approved_order() -> str:
    item = Item(
        store_id="store-1",
        product_id="product-1",
        store_name="Nic & Naks",
        product_name="Wand",
        price=Decimal("9.99"),
        quantity=2,
    )
    order_id = ordering.order_create(
        order_id="order-1", customer_id="customer-1", payment_id="payment-1", items=[item]
    )
    ordering.order_approve(order_id=order_id, shopping_id="shopping-1")
    return order_id


def stream_page(client: Client, **query: object) -> str:
    response = client.get(f"{STREAM}?{urlencode(query)}")
    assert response.status_code == 200
    return response.content.decode()


def test_repositories_register_their_aggregate_class_by_stream_type():
    # given / when / then
    assert store.aggregate_type_of("ordering.Order") is Order
    assert store.aggregate_type_of("no.Such") is None


def test_the_stream_shows_its_events_in_order_and_the_last_state(admin_client):
    # given
    order_id = an_approved_order()

    # when
    html = stream_page(admin_client, type="ordering.Order", id=order_id)

    # then
    assert "State as of version 2 of 2" in html
    assert "&quot;status&quot;: &quot;approved&quot;" in html
    assert "&quot;shopping_id&quot;: &quot;shopping-1&quot;" in html
    assert html.index("ordering.OrderCreated") < html.index("ordering.OrderApproved")
    assert f'<a href="{STREAM}?type=ordering.Order&amp;id={order_id}&amp;version=1"' in html


def test_the_state_as_of_an_earlier_version_is_replayed_up_to_it(admin_client):
    # given
    order_id = an_approved_order()

    # when
    html = stream_page(admin_client, type="ordering.Order", id=order_id, version=1)

    # then
    assert "State as of version 1 of 2" in html
    assert "&quot;status&quot;: &quot;pending&quot;" in html
    assert "&quot;shopping_id&quot;: &quot;&quot;" in html
    assert "ordering.OrderApproved" in html  # every event is still listed


def test_a_version_out_of_range_shows_the_nearest_state(admin_client):
    # given
    order_id = an_approved_order()

    # when
    html = stream_page(admin_client, type="ordering.Order", id=order_id, version=99)

    # then
    assert "State as of version 2 of 2" in html


def test_an_unknown_stream_says_it_has_no_events(admin_client):
    # given / when
    html = stream_page(admin_client, type="ordering.Order", id="nope")

    # then
    assert '<p id="no-events">No events in stream ordering.Order nope.</p>' in html


def test_a_stream_type_without_an_aggregate_class_lists_its_events_and_says_why_no_state(admin_client):
    # given
    Event.objects.create(
        stream_type="legacy.Thing",
        stream_id="t-1",
        version=1,
        event_type="legacy.ThingHappened",
        schema_version=1,
        data={"what": "it"},
        metadata={},
    )

    # when
    html = stream_page(admin_client, type="legacy.Thing", id="t-1")

    # then
    assert "legacy.ThingHappened" in html
    assert "LookupError: no aggregate class is registered for stream type &#x27;legacy.Thing&#x27;" in html


def test_event_rows_link_to_their_stream_at_their_version(admin_client):
    # given
    order_id = an_approved_order()
    created = Event.objects.get(stream_id=order_id, version=1)

    # when
    listed = admin_client.get("/admin/eventstore/event/").content.decode()
    shown = admin_client.get(f"/admin/eventstore/event/{created.pk}/change/").content.decode()

    # then
    link = (
        f'<a href="{STREAM}?type=ordering.Order&amp;id={order_id}&amp;version=1">history and state at v1</a>'
    )
    assert link in listed
    assert link in shown


def test_staff_without_the_view_permission_on_events_cannot_browse_streams():
    # given
    order_id = an_approved_order()
    user = User.objects.create_user("manager", password="x", is_staff=True)
    user.groups.set([Group.objects.get(name="store-managers")])
    client = Client()
    client.force_login(user)

    # when
    response = client.get(f"{STREAM}?{urlencode({'type': 'ordering.Order', 'id': order_id})}")

    # then
    assert response.status_code == 403

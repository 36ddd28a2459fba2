"""The staff dashboard on the admin index: today's orders by status, orders in flight and the
oldest of them, the messaging kernel's health and queue backlog, bots idle and active, each
figure linking to the filtered admin list it counts."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from apps.depot import services as depot
from apps.ordering.models import Order
from mallbots.backoffice.dashboard import Figure, dashboard_for
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def an_order(status: str, created_at, total: str = "10.00") -> str:
    """An order row in a status (the read model only: the dashboard reads nothing else)."""
    order = Order.objects.create(
        id=f"order-{time.monotonic_ns()}",
        customer_id="customer-1",
        payment_id="payment-1",
        status=status,
        total=Decimal(total),
        version=1,
        created_at=created_at,
        updated_at=created_at,
    )
    return order.id


@pytest.fixture
def busy_mall(broker) -> dict[str, str]:
    now = timezone.now()
    oldest = an_order("pending", now - timedelta(days=2))
    an_order("approved", now)
    an_order("approved", now)
    an_order("completed", now)
    an_order("rejected", now - timedelta(days=1))
    depot.bot_create(name="Robo-1")
    depot.bot_create(name="Robo-2")
    broker.rpush("ordering", b"x", b"y")
    return {"oldest": oldest}


def test_the_dashboard_counts_todays_orders_the_flight_messaging_and_bots(busy_mall, broker):
    # given
    now = timezone.now()
    superuser = User.objects.create_superuser("boss", password="x")
    dead = FailedDelivery.objects.filter(status="dead").count()

    # when
    dashboard = dashboard_for(superuser, now)

    # then
    today = now.date().isoformat()
    assert {figure.label: figure.value for figure in dashboard.orders_today} == {
        "pending": "0",
        "rejected": "0",
        "approved": "2",
        "in-progress": "0",
        "ready": "0",
        "completed": "1",
        "cancelled": "0",
    }
    assert dashboard.orders_today[2].url == (
        f"/admin/ordering/order/?status__exact=approved&created_at__date={today}"
    )
    assert dashboard.in_flight[0] == Figure(
        "orders in flight",
        "3",
        "/admin/ordering/order/?status__in=pending%2Capproved%2Cin-progress%2Cready",
    )
    assert dashboard.in_flight[1].label == f"oldest: {busy_mall['oldest']} (pending)"
    assert dashboard.in_flight[1].value == "48 h 0 min old"
    assert dashboard.in_flight[1].url == f"/admin/ordering/order/{busy_mall['oldest']}/change/"
    pending = Delivery.objects.filter(status="pending").count()
    assert [(f.label, f.value, f.url) for f in dashboard.messaging][1:] == [
        (
            "deliveries not handled yet",
            f"{pending} (0 overdue, 0 stuck)",
            "/admin/messaging/delivery/?status__exact=pending",
        ),
        ("dead letters", str(dead), "/admin/messaging/faileddelivery/?status__exact=dead"),
        ("retrying", "0", "/admin/messaging/faileddelivery/?status__exact=retrying"),
        ("held behind a failure", "0 (0 stuck)", "/admin/messaging/faileddelivery/?status__exact=held"),
        ("subscribers catching up", "0", "/admin/messaging/subscriber/?state__exact=catching_up"),
    ]
    assert dashboard.messaging[0].url == "/admin/messaging/streammessage/?appended=no"
    assert dashboard.messaging[0].value.endswith(
        f"({StreamMessage.objects.filter(stream_position__isnull=True).count()} waiting)"
    )
    assert {figure.label: figure.value for figure in dashboard.backlog}["ordering"] == "2"
    assert dashboard.bots == (
        Figure("idle", "2", "/admin/depot/bot/?status__exact=idle"),
        Figure("active", "0", "/admin/depot/bot/?status__exact=active"),
    )


def test_the_admin_index_shows_the_dashboard_with_its_links(busy_mall, admin_client):
    # given / when
    response = admin_client.get("/admin/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="mall-dashboard">' in html
    assert '<a href="/admin/depot/bot/?status__exact=idle">idle</a></th><td>2</td>' in html
    assert "<caption>Orders in flight</caption>" in html
    assert f"oldest: {busy_mall['oldest']} (pending)" in html
    assert '<th scope="row">ordering</th><td>2</td>' in html
    assert 'href="/admin/ordering/"' in html  # the app list still follows


def test_each_dashboard_link_opens_the_filtered_list(busy_mall, admin_client):
    # given
    dashboard = dashboard_for(User.objects.get(username="admin"))
    figures = [*dashboard.orders_today, *dashboard.in_flight, *dashboard.messaging, *dashboard.bots]

    # when
    statuses = {figure.url: admin_client.get(figure.url).status_code for figure in figures}

    # then
    assert set(statuses.values()) == {200}
    in_flight = admin_client.get(dashboard.in_flight[0].url)
    assert in_flight.context["cl"].result_count == 3


def test_a_depot_operator_sees_only_the_bots(busy_mall):
    # given
    operator = User.objects.create_user("operator", password="x", is_staff=True)
    operator.groups.set([Group.objects.get(name="depot-operators")])
    client = Client()
    client.force_login(operator)

    # when
    response = client.get("/admin/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dashboard-bots"' in html
    assert 'id="dashboard-orders"' not in html
    assert 'id="dashboard-messaging"' not in html


def test_a_broker_down_leaves_the_index_up(busy_mall, admin_client, use_broker):
    # given
    use_broker("redis://127.0.0.1:1/0")

    # when
    response = admin_client.get("/admin/")

    # then
    assert response.status_code == 200
    assert "broker unreachable: " in response.content.decode()


def test_orders_per_minute_stack_each_minute_of_the_last_hour_by_outcome():
    # given: three orders this minute, one twenty minutes ago, one before the hour
    now = timezone.now().replace(second=30, microsecond=0)
    for status in ("completed", "rejected", "pending"):
        an_order(status, now)
    an_order("approved", now - timedelta(minutes=20))
    an_order("cancelled", now - timedelta(minutes=61))
    superuser = User.objects.create_superuser("boss", password="x")

    # when
    chart = dashboard_for(superuser, now).charts[0]

    # then
    assert chart.summary == "4 orders in the last hour: 2 approved, 1 pending, 1 rejected, 0 cancelled"
    bars = [part for part in chart.svg.split("<rect ")[1:] if 'class="bar' in part]
    assert sorted(part.split('"')[1] for part in bars) == [
        "bar approved",
        "bar approved",
        "bar pending",
        "bar rejected",
    ]
    assert f"<title>{now:%H:%M}: 1 rejected</title>" in chart.svg


def test_saga_latency_shows_p50_and_p95_of_the_sagas_that_ended():
    # given: sagas of 1..20 hundred milliseconds, ended now (read from the ordering stream)
    from apps.ordering import services as ordering
    from apps.ordering.domain import Item

    item = Item("store-1", "product-1", "Store", "Wand", Decimal("1.00"), 1)
    for n in range(1, 21):
        order_id = ordering.order_create(
            order_id=f"order-{n}", customer_id="customer-1", payment_id="payment-1", items=[item]
        )
        Order.objects.filter(id=order_id).update(created_at=timezone.now() - timedelta(milliseconds=100 * n))
        ordering.order_approve(order_id=order_id, shopping_id=f"shopping-{n}")
    superuser = User.objects.create_superuser("boss", password="x")

    # when
    chart = dashboard_for(superuser).charts[1]

    # then
    assert chart.summary.startswith("20 sagas ended in the last hour: p50 1")
    assert chart.svg.count('<circle class="dot p50"') == 1
    assert chart.svg.count('<circle class="dot p95"') == 1


def test_dead_letters_and_stuck_messages_are_red_when_there_are_some(
    busy_mall, admin_client, failed_delivery
):
    # given
    failed_delivery()
    # when
    dashboard = dashboard_for(User.objects.get(username="admin"))
    html = admin_client.get("/admin/").content.decode()

    # then
    assert {figure.label: figure.alarm for figure in dashboard.messaging} == {
        "outbox lag (oldest message not appended to its stream)": False,
        "deliveries not handled yet": False,
        "dead letters": True,
        "retrying": False,
        "held behind a failure": False,
        "subscribers catching up": False,
    }
    assert (
        '<tr class="alarm"><th scope="row"><a href="/admin/messaging/faileddelivery/?status__exact=dead">'
        in html
    )


def test_no_dead_letter_no_red(busy_mall):
    # given / when
    dashboard = dashboard_for(User.objects.create_superuser("boss", password="x"))
    # then
    assert [figure.label for figure in dashboard.messaging if figure.alarm] == []

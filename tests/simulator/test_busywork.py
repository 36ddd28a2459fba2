"""`manage.py busywork` against a live server and a real Celery worker: simulated customers and
the bot operator take whole orders through the REST API to their final states."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from apps.depot.models import Bot, ShoppingList
from apps.ordering.models import Order
from apps.payments.models import Invoice
from apps.stores import services as stores
from tests.conftest import free_port

QUEUES = "stores,customers,baskets,ordering,payments,depot,notifications,search,messaging"


def summary(out: str) -> dict[str, int]:
    """The counts of the final summary ("  completed    12   (...)")."""
    rows = re.findall(r"^  ([a-z ]+?) +(\d+)(?:   \(.*\))?$", out.split("\n\nBusywork against", 1)[1], re.M)
    return {label: int(value) for label, value in rows}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_busywork_takes_orders_through_their_whole_lives(live_server, start_worker):
    # given a demo mall, plus a participating store that sells nothing yet, the server and a
    # worker on every queue
    start_worker(queues=QUEUES, concurrency=4, beat=True)
    call_command("seed_mall", stdout=StringIO())
    empty = stores.store_create(name="Empty Shelf", location="Level 3, by the lifts")
    stores.store_enable_participation(store_id=empty)
    out = StringIO()
    # when two customers order for 20 s, half of the orders paid too little on purpose
    call_command(
        "busywork",
        "--clients",
        "2",
        "--duration",
        "20",
        "--url",
        live_server.url,
        "--reject-share",
        "0.5",
        stdout=out,
    )
    # then
    text = out.getvalue()
    counts = summary(text)
    assert counts["completed"] >= 1, text
    assert counts["rejected"] > 0, text
    assert f"({counts['rejected']} on purpose, 0 unexpected)" in text, text
    assert (counts["errors"], counts["stuck"], counts["failed"], counts["interrupted"]) == (0, 0, 0, 0), text
    assert counts["orders started"] == counts["completed"] + counts["rejected"] + counts["cancelled"], text
    assert "every order reached a final state (completed, rejected or cancelled)" in text
    assert re.search(r"checkout->approved  p50 \d+ ms, p99 \d+ ms \(\d+ orders\)", text), text
    assert re.search(r"throughput +[\d.]+ orders/minute", text), text
    # and the mall agrees: every order is final, every bot idle, every completed order paid
    assert not Order.objects.exclude(status__in=["completed", "rejected", "cancelled"]).exists()
    assert Order.objects.count() == counts["orders started"]
    assert Order.objects.filter(status="completed").count() == counts["completed"]
    assert Order.objects.filter(status="rejected").count() == counts["rejected"]
    assert Order.objects.filter(status="cancelled").count() == counts["cancelled"]
    assert set(Bot.objects.values_list("status", flat=True)) == {"idle"}
    assert ShoppingList.objects.filter(status="completed").count() == counts["completed"]
    assert Invoice.objects.filter(status="paid").count() == counts["completed"]
    # and it ran as the staff user it made for itself, a kiosk and a bot operator
    user = User.objects.get(username="busywork")
    assert user.is_staff and not user.is_superuser
    assert sorted(user.groups.values_list("name", flat=True)) == ["depot-operators", "kiosk"]


@pytest.mark.integration
@pytest.mark.django_db
def test_busywork_needs_a_seeded_mall():
    with pytest.raises(
        CommandError, match=r"no seeded customers in this database: run `manage.py seed_mall`"
    ):
        call_command("busywork", "--duration", "1", stdout=StringIO())
    # and it made nothing, not even its user
    assert not User.objects.filter(username="busywork").exists()


@pytest.mark.integration
@pytest.mark.django_db
def test_busywork_says_when_the_server_cannot_be_reached():
    # given
    call_command("seed_mall", "--stores", "1", "--customers", "1", stdout=StringIO())
    url = f"http://127.0.0.1:{free_port()}"
    # when / then
    with pytest.raises(
        CommandError,
        match=rf"the API at {url} cannot be used: GET /api/stores/participating: connection failed "
        r"\(Connection refused\)",
    ):
        call_command("busywork", "--duration", "1", "--url", url, stdout=StringIO())


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clients", "0"], "--clients must be at least 1"),
        (["--reject-share", "0.6", "--cancel-share", "0.5"], "add up to more than 1"),
    ],
)
def test_busywork_refuses_options_that_make_no_sense(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("busywork", *args, stdout=StringIO())

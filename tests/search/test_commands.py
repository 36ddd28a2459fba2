"""`manage.py rebuild_search`: search's rows rebuilt by replaying the ordering and customers
streams, idempotently; and the admin's refresh of one row from the ordering context."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from apps.customers import contracts as customers
from apps.search import services
from apps.search.models import CustomerCache, SearchOrder
from mallbots.kernel.messaging import consumer, retention
from mallbots.kernel.messaging.models import Delivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of
from tests.search.factories import SearchOrderFactory, new_id, order_info
from tests.search.helpers import row
from tests.search.test_handlers import BEANS, SHIRT, created, lifecycle, publish_each

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def rebuild() -> str:
    out = StringIO()
    call_command("rebuild_search", "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def handle_everything() -> None:
    """What search's worker does with every message published so far."""
    for message in StreamMessage.objects.order_by("position"):
        for handler, envelope, seq in deliveries_of(message):
            if handler.startswith("search."):
                consumer.process(handler, envelope, seq)


@pytest.fixture
def three_orders() -> dict[str, str]:
    """Two customers (one registered), three orders in different states, all handled."""
    ada, unknown = new_id(), new_id()
    orders = {"completed": new_id(), "in-progress": new_id(), "rejected": new_id()}
    publish_each(
        customers.CustomerRegistered(id=ada, name="Ada Lovelace", sms_number="555-0100"),
        *lifecycle(orders["completed"], ada, "approved", "in-progress", "ready", "completed"),
        *lifecycle(orders["in-progress"], ada, "approved", "in-progress"),
        *lifecycle(orders["rejected"], unknown, "rejected"),
    )
    handle_everything()
    return orders


def rows() -> dict[str, dict]:
    return {r.order_id: row(r.order_id) for r in SearchOrder.objects.all()}


def test_rebuild_restores_missing_and_wrong_rows_from_the_streams(three_orders):
    # given rows as the handlers left them, then one lost and one wrong
    before = rows()
    SearchOrder.objects.filter(order_id=three_orders["completed"]).delete()
    SearchOrder.objects.filter(order_id=three_orders["in-progress"]).update(
        status="pending", total=Decimal("1.00"), items=[], customer_name=""
    )
    # when
    out = rebuild()
    # then every row is what the events say again
    assert rows() == before
    assert before[three_orders["completed"]]["status"] == "completed"
    assert before[three_orders["in-progress"]]["customer_name"] == "Ada Lovelace"
    assert re.fullmatch(r"search orders: 11 messages replayed in \d+\.\ds, 3 orders searchable\n", out)


def test_a_second_rebuild_gives_the_same_rows(three_orders):
    rebuild()
    first = rows()
    rebuild()
    assert rows() == first
    assert CustomerCache.objects.count() == 1


def test_live_messages_after_a_rebuild_still_reach_search(three_orders):
    # given a rebuild
    rebuild()
    # when an order is created afterwards
    later = new_id()
    publish_each(created(later, new_id(), SHIRT, BEANS))
    handle_everything()
    # then it is searchable, handled once
    assert row(later)["status"] == "pending"


def test_rows_of_orders_whose_history_is_no_longer_retained_are_left_and_reported(three_orders, settings):
    # given the ordering stream purged of everything (a short retention), one row left from before
    settings.MESSAGING_STREAMS = {"ordering": {"policy": "interest"}}
    settings.MESSAGING_DEDUP_WINDOW_SECONDS = 0
    settings.MESSAGING_INBOX_RETENTION_HOURS = 0
    Delivery.objects.update(status="handled", due_at=None)  # every other context is done with them too
    purged = retention.purge_stream("ordering")
    before = rows()
    # when
    out = rebuild()
    # then
    assert purged == 10
    assert rows() == before
    assert "note: the ordering stream no longer retains its first 10 messages" in out


# --- Refreshing one order (the admin action) --------------------------------------------------


def test_refresh_brings_one_row_to_the_ordering_contexts_state(ordering_has):
    # given
    order = SearchOrderFactory()
    other = SearchOrderFactory()
    info = order_info(order_id=order.order_id, customer_id=order.customer_id, status="ready")
    missing = order_info(status="approved")
    ordering_has(info, missing)
    # when
    outcomes = [
        services.search_order_refresh(order_id=order.order_id),
        services.search_order_refresh(order_id=order.order_id),
        services.search_order_refresh(order_id=missing.id),
        services.search_order_refresh(order_id=other.order_id),
        services.search_order_refresh(order_id=new_id()),
    ]
    # then
    assert outcomes == ["updated", "unchanged", "created", "deleted", "missing"]
    assert row(order.order_id)["status"] == "ready"
    assert row(missing.id)["status"] == "approved"
    assert not SearchOrder.objects.filter(order_id=other.order_id).exists()

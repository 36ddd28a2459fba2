"""Search beside the real ordering context, driven through published events only: the rows the
handlers build and the rows `rebuild_search` reads from ordering's open-host query agree."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from apps.baskets import contracts as baskets
from apps.customers import contracts as customers
from apps.search.models import SearchOrder
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import FailedDelivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of
from tests.search.helpers import row, rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def new_id() -> str:
    return message_context.new_id()


def publish_as(order_id: str, event: IntegrationEvent) -> None:
    with message_context.use(correlation_id=order_id), transaction.atomic():
        publish(event)


def run_handlers(prefix: str) -> list[Outcome]:
    """Delivers every message not yet delivered to the handlers whose names start with prefix."""
    outcomes = []
    for message in StreamMessage.objects.order_by("position"):
        for handler, envelope, seq in deliveries_of(message):
            if handler.startswith(prefix):
                outcomes.append(consumer.process(handler, envelope, seq))
    return outcomes


def rebuild() -> str:
    out = StringIO()
    call_command("rebuild_search", "--no-progress", stdout=out)
    return out.getvalue()


def check_out(order_id: str, customer_id: str) -> None:
    publish_as(
        order_id,
        baskets.BasketCheckedOut(
            id=order_id,
            customer_id=customer_id,
            payment_id=new_id(),
            items=(
                baskets.BasketItem(
                    store_id=new_id(),
                    product_id=new_id(),
                    store_name="Threads",
                    product_name="Blue shirt",
                    price=Decimal("19.99"),
                    quantity=2,
                ),
            ),
        ),
    )


def test_the_row_built_from_ordering_events_is_what_a_rebuild_replays():
    # given an order checked out, created by ordering, then rejected by the saga
    order_id, customer_id = new_id(), new_id()
    publish_as(
        customer_id, customers.CustomerRegistered(id=customer_id, name="Ada Lovelace", sms_number="555")
    )
    check_out(order_id, customer_id)
    run_handlers("ordering.")
    publish_as(
        order_id,
        customers.CustomerAuthorizationFailed(
            id=customer_id, order_id=order_id, reason="customer is not authorized"
        ),
    )
    run_handlers("ordering.")
    outcomes = run_handlers("search.")
    assert set(outcomes) == {Outcome.HANDLED}
    built = row(order_id)
    # when
    out = rebuild()
    # then
    assert (built["status"], built["customer_name"], built["total"]) == (
        "rejected",
        "Ada Lovelace",
        Decimal("39.98"),
    )
    assert row(order_id) == built
    assert out.endswith(", 1 orders searchable\n")
    assert not FailedDelivery.objects.exists()


def test_a_rebuild_brings_back_lost_rows_from_the_ordering_stream():
    # given two orders ordering created, whose search rows were lost
    first, second = new_id(), new_id()
    for order_id in (first, second):
        check_out(order_id, new_id())
    run_handlers("ordering.")
    run_handlers("search.")
    built = [row(first), row(second)]
    SearchOrder.objects.all().delete()
    # when
    out = rebuild()
    # then the rows are back as they were, dated by their OrderCreated
    assert [row(o) for o in (first, second)] == built
    assert out.endswith(", 2 orders searchable\n")
    assert len(rows()) == 2

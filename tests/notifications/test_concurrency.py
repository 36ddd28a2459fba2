"""Two deliveries racing to send the same SMS (two messages saying the same thing, handled by
two workers at once): the second waits on the (order, kind) row of the first, so the
customer gets the SMS once; and if the first fails, the second sends it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connection

from apps.notifications import services
from apps.notifications.models import SentNotification
from apps.notifications.senders import Sms
from tests.conftest import wait_until, waiting_on_a_lock
from tests.notifications import senders as test_senders
from tests.notifications.factories import CachedCustomerFactory, new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def gated(settings) -> Iterator[test_senders.Gate]:
    test_senders.gate = test_senders.Gate()
    settings.NOTIFICATIONS_SMS_SENDER = "tests.notifications.senders.GatedSender"
    yield test_senders.gate
    test_senders.gate.release.set()


class Racer(threading.Thread):
    """Runs a service call on its own database connection and keeps its result or error."""

    def __init__(self, call: Callable[[], bool]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: bool | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as exc:
            self.error = exc
        finally:
            connection.close()


def race(gated: test_senders.Gate, call: Callable[[], bool]) -> tuple[Racer, Racer]:
    """Starts the first racer, waits until it is sending (its row inserted, not committed),
    starts the second and waits until it is blocked on that row, then opens the gate."""
    first, second = Racer(call), Racer(call)
    first.start()
    assert gated.entered.wait(10)
    second.start()
    wait_until(lambda: waiting_on_a_lock() == 1, timeout=10)
    gated.release.set()
    first.join(10)
    second.join(10)
    return first, second


def test_of_two_racing_deliveries_of_the_same_sms_only_one_sends(gated, sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()

    def call() -> bool:
        return services.notification_send_order_ready(
            order_id=order_id, customer_id=customer.id, total=Decimal("19.98")
        )

    # when
    first, second = race(gated, call)
    # then
    assert (first.error, second.error) == (None, None)
    assert (first.result, second.result) == (True, False)
    assert sms.sent() == [
        Sms("555-0100", f"MallBots: your order {order_id[:6]} is ready for pickup. Total 19.98.")
    ]
    assert list(SentNotification.objects.values_list("order_id", "kind")) == [(order_id, "ready")]


def test_when_the_first_racer_fails_to_send_the_second_sends(gated, sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    gated.fail = True

    def call() -> bool:
        return services.notification_send_order_canceled(order_id=order_id, customer_id=customer.id)

    # when
    first, second = race(gated, call)
    # then
    assert isinstance(first.error, RuntimeError)
    assert (second.error, second.result) == (None, True)
    assert sms.sent() == [Sms("555-0100", f"MallBots: your order {order_id[:6]} has been cancelled.")]
    assert list(SentNotification.objects.values_list("order_id", "kind")) == [(order_id, "canceled")]

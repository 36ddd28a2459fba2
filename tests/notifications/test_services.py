"""Sending SMS about orders and keeping the customer cache, on real PostgreSQL."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from apps.customers import services as customers_services
from apps.notifications import services
from apps.notifications.models import CustomerCache, SentNotification
from apps.notifications.senders import Sms
from tests.customers.factories import CustomerFactory
from tests.notifications.factories import CachedCustomerFactory, new_id

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def sent_rows() -> list[tuple[str, str, str, str, str]]:
    return list(
        SentNotification.objects.order_by("id").values_list(
            "order_id", "kind", "customer_id", "sms_number", "text"
        )
    )


def cache_row(customer_id: str) -> tuple[str, str] | None:
    return CustomerCache.objects.filter(id=customer_id).values_list("name", "sms_number").first()


def test_each_step_of_an_order_sends_one_sms_and_records_it(sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = "1a2b3c4d-" + new_id()[9:]
    # when
    sent = [
        services.notification_send_order_created(
            order_id=order_id, customer_id=customer.id, total=Decimal("19.98")
        ),
        services.notification_send_order_ready(
            order_id=order_id, customer_id=customer.id, total=Decimal("19.98")
        ),
        services.notification_send_order_completed(order_id=order_id, customer_id=customer.id),
    ]
    # then
    texts = [
        "MallBots: thanks for your order 1a2b3c. Total 19.98. We will text you when it is ready.",
        "MallBots: your order 1a2b3c is ready for pickup. Total 19.98.",
        "MallBots: your order 1a2b3c is complete. Thank you for shopping with us!",
    ]
    assert sent == [True, True, True]
    assert sms.sent() == [Sms("555-0100", text) for text in texts]
    assert sent_rows() == [
        (order_id, kind, customer.id, "555-0100", text)
        for kind, text in zip(["created", "ready", "completed"], texts, strict=True)
    ]


def test_rejection_and_cancellation_send_their_sms(sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    rejected, canceled = "aaaaaa-" + new_id(), "bbbbbb-" + new_id()
    # when
    services.notification_send_order_rejected(
        order_id=rejected, customer_id=customer.id, reason="customer is not authorized"
    )
    services.notification_send_order_canceled(order_id=canceled, customer_id=customer.id)
    # then
    assert sms.sent() == [
        Sms("555-0100", "MallBots: sorry, your order aaaaaa was rejected: customer is not authorized."),
        Sms("555-0100", "MallBots: your order bbbbbb has been cancelled."),
    ]
    assert [(r[0], r[1]) for r in sent_rows()] == [(rejected, "rejected"), (canceled, "canceled")]


def test_the_same_sms_of_an_order_is_sent_once(sms, caplog):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    services.notification_send_order_ready(order_id=order_id, customer_id=customer.id, total=Decimal("5.00"))
    before = sent_rows()
    caplog.set_level(logging.INFO, logger="apps.notifications.services")
    # when
    again = services.notification_send_order_ready(
        order_id=order_id, customer_id=customer.id, total=Decimal("5.00")
    )
    # then
    assert again is False
    assert len(sms.sent()) == 1
    assert sent_rows() == before
    assert [r.getMessage() for r in caplog.records] == [
        f"the ready SMS for order {order_id} was sent already"
    ]


def test_an_sms_of_another_kind_for_the_same_order_still_goes_out(sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    services.notification_send_order_created(
        order_id=order_id, customer_id=customer.id, total=Decimal("5.00")
    )
    # when
    sent = services.notification_send_order_canceled(order_id=order_id, customer_id=customer.id)
    # then
    assert sent is True
    assert [row[1] for row in sent_rows()] == ["created", "canceled"]
    assert len(sms.sent()) == 2


def test_a_changed_sms_number_is_used_for_the_later_messages(sms):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    services.notification_send_order_created(
        order_id=order_id, customer_id=customer.id, total=Decimal("5.00")
    )
    # when
    services.customer_cache_change_sms(customer_id=customer.id, sms_number="555-0199")
    services.notification_send_order_ready(order_id=order_id, customer_id=customer.id, total=Decimal("5.00"))
    # then
    assert [m.number for m in sms.sent()] == ["555-0100", "555-0199"]
    assert [row[3] for row in sent_rows()] == ["555-0100", "555-0199"]
    assert cache_row(customer.id) == (customer.name, "555-0199")


def test_an_unknown_customer_gets_nothing_and_nothing_is_recorded(sms, caplog):
    # given
    customer_id, order_id = new_id(), new_id()
    caplog.set_level(logging.WARNING, logger="apps.notifications.services")
    # when
    sent = services.notification_send_order_created(
        order_id=order_id, customer_id=customer_id, total=Decimal("5.00")
    )
    # then
    assert sent is False
    assert sms.sent() == []
    assert not SentNotification.objects.exists()
    assert not CustomerCache.objects.exists()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"no created SMS for order {order_id}: the customer {customer_id} is unknown")
    ]


def test_a_customer_id_that_is_no_uuid_is_an_unknown_customer(sms):
    # when
    sent = services.notification_send_order_completed(order_id=new_id(), customer_id="not-a-uuid")
    # then
    assert sent is False
    assert sms.sent() == []
    assert not SentNotification.objects.exists()


def test_a_customer_not_cached_yet_is_asked_of_the_customers_context_and_cached(sms):
    # given a customer whose CustomerRegistered has not been handled here yet
    customer = CustomerFactory(name="Ada", sms_number="555-0142")
    customer_id = str(customer.id)
    assert cache_row(customer_id) is None
    # when
    sent = services.notification_send_order_created(
        order_id="abcdef-" + new_id(), customer_id=customer_id, total=Decimal("3.50")
    )
    # then
    assert sent is True
    assert sms.sent() == [
        Sms(
            "555-0142",
            "MallBots: thanks for your order abcdef. Total 3.50. We will text you when it is ready.",
        )
    ]
    assert cache_row(customer_id) == ("Ada", "555-0142")


def test_the_customers_current_number_is_taken_on_a_cache_miss(sms):
    # given
    customer = CustomerFactory(sms_number="555-0142")
    customers_services.customer_change_sms_number(customer_id=str(customer.id), sms_number="555-0143")
    # when
    services.notification_send_order_canceled(order_id=new_id(), customer_id=str(customer.id))
    # then
    assert [m.number for m in sms.sent()] == ["555-0143"]


def test_a_sender_failure_rolls_the_record_back_so_that_a_retry_sends_it(sms, settings):
    # given
    customer = CachedCustomerFactory(sms_number="555-0100")
    order_id = new_id()
    settings.NOTIFICATIONS_SMS_SENDER = "tests.notifications.senders.FailingSender"
    # when
    with pytest.raises(RuntimeError, match="the SMS gateway is down"):
        services.notification_send_order_canceled(order_id=order_id, customer_id=customer.id)
    recorded_after_failure = SentNotification.objects.exists()
    settings.NOTIFICATIONS_SMS_SENDER = "apps.notifications.senders.MemorySender"
    retried = services.notification_send_order_canceled(order_id=order_id, customer_id=customer.id)
    # then
    assert recorded_after_failure is False
    assert retried is True
    assert sms.sent() == [Sms("555-0100", f"MallBots: your order {order_id[:6]} has been cancelled.")]
    assert SentNotification.objects.count() == 1


# --- The customer cache -----------------------------------------------------------------------


def test_a_registration_caches_the_customer():
    # given
    customer_id = new_id()
    # when
    services.customer_cache_add(customer_id=customer_id, name="Ada", sms_number="555-0100")
    # then
    assert cache_row(customer_id) == ("Ada", "555-0100")


def test_a_registration_overwrites_a_row_a_fallback_inserted():
    # given
    customer = CachedCustomerFactory(name="Ada L.", sms_number="555-0199")
    # when
    services.customer_cache_add(customer_id=customer.id, name="Ada", sms_number="555-0100")
    # then
    assert cache_row(customer.id) == ("Ada", "555-0100")
    assert CustomerCache.objects.count() == 1


def test_an_sms_change_of_a_customer_not_cached_inserts_nothing(caplog):
    # given
    customer_id = new_id()
    caplog.set_level(logging.DEBUG, logger="apps.notifications.services")
    # when
    services.customer_cache_change_sms(customer_id=customer_id, sms_number="555-0199")
    # then
    assert not CustomerCache.objects.exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"SMS number change of customer {customer_id}: not cached, nothing to update"
    ]

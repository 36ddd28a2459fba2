"""The SMS texts: short, friendly, one segment, the short order id the customer quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.notifications import domain
from apps.notifications.domain import Kind

pytestmark = pytest.mark.unit

ORDER_ID = "1a2b3c4d-0000-4000-8000-000000000000"


def test_the_short_order_id_is_the_first_six_characters():
    # when / then
    assert domain.short_order_id(ORDER_ID) == "1a2b3c"
    assert domain.short_order_id("abc") == "abc"


def test_created_text_quotes_the_short_id_and_the_total_in_cents():
    # when
    text = domain.order_created_text(ORDER_ID, Decimal("19.9"))
    # then
    assert text == "MallBots: thanks for your order 1a2b3c. Total 19.90. We will text you when it is ready."


def test_ready_text_says_pickup_and_the_total():
    # when
    text = domain.order_ready_text(ORDER_ID, Decimal("19.98"))
    # then
    assert text == "MallBots: your order 1a2b3c is ready for pickup. Total 19.98."


def test_ready_text_rounds_the_total_to_cents():
    # when
    text = domain.order_ready_text(ORDER_ID, Decimal("7"))
    # then
    assert text == "MallBots: your order 1a2b3c is ready for pickup. Total 7.00."


def test_canceled_and_completed_texts():
    # when / then
    assert domain.order_canceled_text(ORDER_ID) == "MallBots: your order 1a2b3c has been cancelled."
    assert domain.order_completed_text(ORDER_ID) == (
        "MallBots: your order 1a2b3c is complete. Thank you for shopping with us!"
    )


def test_rejected_text_gives_the_reason():
    # when
    text = domain.order_rejected_text(ORDER_ID, "customer is not authorized")
    # then
    assert text == "MallBots: sorry, your order 1a2b3c was rejected: customer is not authorized."


def test_rejected_text_without_a_reason_ends_after_the_news():
    # when / then
    assert domain.order_rejected_text(ORDER_ID, "") == "MallBots: sorry, your order 1a2b3c was rejected."
    assert domain.order_rejected_text(ORDER_ID, "  \n ") == "MallBots: sorry, your order 1a2b3c was rejected."


def test_rejected_text_does_not_double_the_reasons_full_stop_and_folds_whitespace():
    # when
    text = domain.order_rejected_text(ORDER_ID, "the product is no longer sold:\n  Shirt.")
    # then
    assert text == "MallBots: sorry, your order 1a2b3c was rejected: the product is no longer sold: Shirt."


def test_a_long_reason_is_cut_so_that_the_text_fits_one_sms():
    # given
    reason = "the product is no longer sold: " + "x" * 300
    # when
    text = domain.order_rejected_text(ORDER_ID, reason)
    # then
    assert len(text) == domain.SMS_MAX_LENGTH
    assert text.startswith(
        "MallBots: sorry, your order 1a2b3c was rejected: the product is no longer sold: xxx"
    )
    assert text.endswith("x….")


@pytest.mark.parametrize(
    "text",
    [
        domain.order_created_text(ORDER_ID, Decimal("123456.78")),
        domain.order_rejected_text(ORDER_ID, "the payment is smaller than the order total"),
        domain.order_canceled_text(ORDER_ID),
        domain.order_ready_text(ORDER_ID, Decimal("123456.78")),
        domain.order_completed_text(ORDER_ID),
    ],
)
def test_every_text_fits_one_sms(text):
    # then
    assert len(text) <= domain.SMS_MAX_LENGTH


def test_the_kinds_are_the_customer_facing_steps():
    # then
    assert [k.value for k in Kind] == ["created", "rejected", "canceled", "ready", "completed"]

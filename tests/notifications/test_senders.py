"""The pluggable SMS sender: chosen by settings.NOTIFICATIONS_SMS_SENDER."""

from __future__ import annotations

import logging

import pytest

from apps.notifications import senders
from apps.notifications.senders import ConsoleSender, MemorySender, Sms

pytestmark = pytest.mark.unit


def test_the_test_settings_select_the_memory_sender():
    # when
    sender = senders.get_sender()
    # then
    assert type(sender) is MemorySender


def test_the_sender_follows_the_setting(settings):
    # given
    settings.NOTIFICATIONS_SMS_SENDER = "apps.notifications.senders.ConsoleSender"
    # when
    sender = senders.get_sender()
    # then
    assert type(sender) is ConsoleSender


def test_the_memory_sender_keeps_every_sms_in_order_across_instances_until_cleared(sms):
    # given
    MemorySender().send("555-0001", "first")
    MemorySender().send("555-0002", "second")
    # when
    kept = MemorySender.sent()
    MemorySender.clear()
    # then
    assert kept == [Sms("555-0001", "first"), Sms("555-0002", "second")]
    assert MemorySender.sent() == []


def test_the_accessor_returns_a_copy(sms):
    # given
    MemorySender().send("555-0001", "first")
    # when
    MemorySender.sent().clear()
    # then
    assert MemorySender.sent() == [Sms("555-0001", "first")]


def test_the_console_sender_writes_one_log_line(caplog, sms):
    # given
    caplog.set_level(logging.INFO, logger="apps.notifications.senders")
    # when
    ConsoleSender().send("555-0001", "MallBots: your order 1a2b3c is ready for pickup. Total 19.98.")
    # then
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "SMS to 555-0001: MallBots: your order 1a2b3c is ready for pickup. Total 19.98.")
    ]
    assert MemorySender.sent() == []

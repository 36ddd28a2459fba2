"""Production log lines: one JSON object each, with the message context and the delivery of
the work they are about, built by the formatter and filter of the production settings."""

from __future__ import annotations

import importlib
import json
import logging
import logging.config
import re

import pytest

from mallbots.kernel.ddd import context
from mallbots.kernel.messaging.logcontext import Delivery, delivering

pytestmark = pytest.mark.unit


@pytest.fixture
def production_logging(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "mall.example")
    production = importlib.import_module("mallbots.settings.production")
    config = logging.config.DictConfigurator(production.LOGGING)
    # configure_* pop the factory key: hand them copies, the module stays as it is
    formatter = config.configure_formatter(dict(production.LOGGING["formatters"]["json"]))
    log_filter = config.configure_filter(dict(production.LOGGING["filters"]["context"]))
    assert production.LOGGING["handlers"]["console"] == {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["context"],
    }

    def line(message: str, *args: object) -> dict[str, object]:
        record = logging.LogRecord(
            "mallbots.kernel.messaging.consumer", logging.INFO, __file__, 1, message, args, None
        )
        assert log_filter.filter(record) is True
        return json.loads(formatter.format(record))

    return line


def test_a_line_outside_any_flow_has_only_the_basics(production_logging):
    # given / when
    line = production_logging("relayed %s messages", 3)
    # then
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", line.pop("time"))
    assert line == {
        "level": "INFO",
        "logger": "mallbots.kernel.messaging.consumer",
        "message": "relayed 3 messages",
    }


def test_a_line_of_a_request_carries_its_correlation_causation_and_actor(production_logging):
    # given / when
    with context.use(correlation_id="order-1", causation_id="request-9", actor="user:7"):
        line = production_logging("checked out")
    # then
    del line["time"]
    assert line == {
        "level": "INFO",
        "logger": "mallbots.kernel.messaging.consumer",
        "message": "checked out",
        "correlation_id": "order-1",
        "causation_id": "request-9",
        "actor": "user:7",
    }


def test_a_line_of_a_delivery_carries_its_message_and_handler(production_logging):
    # given / when: the consumer's own line after the handler's context ended
    with delivering(Delivery("msg-1", "depot.on_ordering_order_created", "order-1", causation_id="msg-1")):
        line = production_logging("handled")
    # then
    del line["time"]
    assert line == {
        "level": "INFO",
        "logger": "mallbots.kernel.messaging.consumer",
        "message": "handled",
        "correlation_id": "order-1",
        "causation_id": "msg-1",
        "message_id": "msg-1",
        "handler": "depot.on_ordering_order_created",
    }


def test_inside_the_handler_the_message_context_and_the_delivery_both_apply(production_logging):
    # given / when
    with (
        delivering(Delivery("msg-2", "payments.on_depot_list_created", "order-2", causation_id="msg-2")),
        context.use(correlation_id="order-2", causation_id="msg-2", actor="bot-operator"),
    ):
        line = production_logging("confirmed payment")
    # then
    del line["time"]
    assert line == {
        "level": "INFO",
        "logger": "mallbots.kernel.messaging.consumer",
        "message": "confirmed payment",
        "correlation_id": "order-2",
        "causation_id": "msg-2",
        "actor": "bot-operator",
        "message_id": "msg-2",
        "handler": "payments.on_depot_list_created",
    }

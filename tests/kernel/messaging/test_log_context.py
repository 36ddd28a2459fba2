"""The consumer marks each delivery for the log filter: its lines carry message id and handler."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import pytest

from mallbots.kernel.ddd import context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.logcontext import ContextFilter
from mallbots.kernel.messaging.models import StreamMessage
from tests.kernel.messaging.helpers import deliveries_of
from tests.kernelapp import services

pytestmark = pytest.mark.integration

COUNT = "kerneltest.on_ledger_credited_count"


@pytest.mark.django_db
def test_the_consumers_log_line_carries_the_delivery_and_its_context(caplog, settings):
    # given a credit published in flow "order-7"
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    ledger_id = str(uuid.uuid4())
    with context.use(correlation_id="order-7", actor="user:1"):
        services.ledger_open(ledger_id=ledger_id, name="L")
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    row = StreamMessage.objects.get(name="kerneltestapi.LedgerCredited", partition_key=ledger_id)
    handler, envelope, seq = next(d for d in deliveries_of(row) if d[0] == COUNT)
    caplog.handler.addFilter(ContextFilter())
    # when
    with caplog.at_level(logging.INFO, logger="mallbots.kernel.messaging.consumer"):
        consumer.process(handler, envelope, seq)
    # then
    (record,) = [r for r in caplog.records if r.name == "mallbots.kernel.messaging.consumer"]
    assert record.getMessage().startswith(
        f"handled {COUNT} <- kerneltestapi.LedgerCredited {envelope['id']} "
    )
    assert {name: getattr(record, name, None) for name in ("correlation_id", "causation_id", "actor")} == {
        "correlation_id": "order-7",
        "causation_id": envelope["id"],
        "actor": "user:1",
    }
    assert (record.message_id, record.handler) == (envelope["id"], COUNT)

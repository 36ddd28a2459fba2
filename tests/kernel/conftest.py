"""Dead letters for the admin and command tests: each from a real message published through a service,
then recorded as a failed delivery with the ORM, as the consumer would after giving up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from mallbots.messaging.envelope import Envelope
from mallbots.messaging.models import FailedDelivery, OutboxMessage
from tests.kernelapp import services

NOTED = "kerneltest.on_ledger_noted"
NOTED_IN_ORDER = "kerneltest.on_ledger_noted_in_order"

ERROR = (
    "Traceback (most recent call last):\n"
    '  File "tests/kernelapp/handlers.py", line 62, in _fail_if_budget_left\n'
    "mallbots.messaging.consumer.TerminalError: planned failure 1 of <b>bad</b>\n"
)


def envelope_of(row: OutboxMessage) -> dict[str, Any]:
    return Envelope(
        id=str(row.message_id),
        name=row.name,
        version=row.version,
        partition_key=row.partition_key,
        position=row.position,
        correlation_id=row.correlation_id,
        causation_id=row.causation_id,
        occurred_at=row.created_at.isoformat(),
        producer=row.producer,
        payload=row.payload,
        metadata=row.metadata,
    ).to_dict()


@pytest.fixture
def failed_delivery(db: None) -> Callable[..., FailedDelivery]:
    def make(
        *,
        handler: str = NOTED,
        status: str = FailedDelivery.Status.DEAD,
        note: str = "bad",
        error: str = ERROR,
        failed_at: datetime | None = None,
    ) -> FailedDelivery:
        message_id = services.ledger_note(ledger_id=str(uuid.uuid4()), note=note)
        row = OutboxMessage.objects.get(message_id=message_id)
        dead = status == FailedDelivery.Status.DEAD
        failed_at = failed_at or timezone.now()
        return FailedDelivery.objects.create(
            handler=handler,
            queue="kerneltest",
            message_id=row.message_id,
            name=row.name,
            partition_key=row.partition_key,
            seq=next(d.get("seq") for d in row.deliveries if d["handler"] == handler),
            envelope=envelope_of(row),
            status=status,
            attempts=3 if dead else 1,
            last_error=error,
            first_failed_at=failed_at - timedelta(minutes=5),
            last_failed_at=failed_at,
            next_attempt_at=None if dead else timezone.now() + timedelta(hours=1),
        )

    return make

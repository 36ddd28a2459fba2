"""Dead letters for the admin and command tests: each from a real message published through a service,
then recorded as a failed delivery with the ORM, as the consumer would after giving up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.kernel.messaging.helpers import append
from tests.kernelapp import services

NOTED = "kerneltest.on_ledger_noted"
NOTED_IN_ORDER = "kerneltest.on_ledger_noted_in_order"

ERROR = (
    "TerminalError: planned failure 1 of <b>bad</b>\n\n"
    "Traceback (most recent call last):\n"
    '  File "tests/kernelapp/handlers.py", line 62, in _fail_if_budget_left\n'
    "mallbots.kernel.messaging.failures.TerminalError: planned failure 1 of <b>bad</b>\n"
)


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
        append(StreamMessage.objects.get(message_id=message_id))
        dead = status == FailedDelivery.Status.DEAD
        failed_at = failed_at or timezone.now()
        row = Delivery.objects.get(handler=handler, message_id=message_id)
        row.status = status
        row.attempts = 3 if dead else 1
        row.last_error = error
        row.first_failed_at = failed_at - timedelta(minutes=5)
        row.last_failed_at = failed_at
        row.due_at = None if dead else timezone.now() + timedelta(hours=1)
        row.sent_at = None
        row.save()
        return FailedDelivery.objects.get(pk=row.pk)

    return make

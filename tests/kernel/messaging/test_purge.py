from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mallbots.messaging import operations
from mallbots.messaging.models import InboxMessage, OutboxMessage
from tests.kernelapp import services

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_purge_deletes_only_sent_outbox_rows_and_inbox_rows_past_retention(settings):
    # given retention of 24 hours, and rows on both sides of it
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    settings.MESSAGING_OUTBOX_RETENTION_HOURS = 24
    settings.MESSAGING_INBOX_RETENTION_HOURS = 24
    now = timezone.now()
    for note in ("old-sent", "new-sent", "old-unsent"):
        services.ledger_note(ledger_id="k", note=note)
    OutboxMessage.objects.filter(payload__note="old-sent").update(sent_at=now - timedelta(hours=25))
    OutboxMessage.objects.filter(payload__note="new-sent").update(sent_at=now - timedelta(hours=23))
    OutboxMessage.objects.filter(payload__note="old-unsent").update(created_at=now - timedelta(days=30))
    old_inbox = InboxMessage.objects.create(
        handler="h",
        message_id="00000000-0000-0000-0000-000000000001",
        name="n",
        partition_key="k",
        correlation_id="c",
    )
    new_inbox = InboxMessage.objects.create(
        handler="h",
        message_id="00000000-0000-0000-0000-000000000002",
        name="n",
        partition_key="k",
        correlation_id="c",
    )
    InboxMessage.objects.filter(pk=old_inbox.pk).update(handled_at=now - timedelta(hours=25))
    # when
    purged = operations.purge(now=now, batch=1)
    # then
    assert purged == (1, 1)
    assert sorted(OutboxMessage.objects.values_list("payload__note", flat=True)) == ["new-sent", "old-unsent"]
    assert list(InboxMessage.objects.values_list("pk", flat=True)) == [new_inbox.pk]

"""Each stream's retention: what the purge deletes and what it must keep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mallbots.kernel.messaging import consumer, retention
from mallbots.kernel.messaging.models import Delivery, StreamMessage
from tests.kernel.messaging.helpers import append, deliveries_of
from tests.kernelapp import services

pytestmark = pytest.mark.integration

NOTED = "kerneltest.on_ledger_noted"


@pytest.fixture(autouse=True)
def windows(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    settings.MESSAGING_DEDUP_WINDOW_SECONDS = 60
    settings.MESSAGING_INBOX_RETENTION_HOURS = 1
    settings.MESSAGING_STREAMS = {}


def note(text: str, *, age: timedelta = timedelta(0), handled: bool = True) -> StreamMessage:
    """A message of the kerneltest stream, `age` old, every delivery handled (or none)."""
    row = append(StreamMessage.objects.get(message_id=services.ledger_note(ledger_id="k", note=text)))
    if handled:
        for handler, envelope, seq in deliveries_of(row):
            consumer.process(handler, envelope, seq)
    when = timezone.now() - age
    StreamMessage.objects.filter(pk=row.pk).update(created_at=when)
    Delivery.objects.filter(message_id=row.message_id, status="handled").update(handled_at=when)
    return row


def kept() -> list[str]:
    return sorted(StreamMessage.objects.filter(producer="kerneltest").values_list("payload__note", flat=True))


@pytest.mark.django_db
def test_limits_by_age_purge_old_messages_whose_deliveries_are_all_done(settings):
    # given a 2-hour age limit
    settings.MESSAGING_STREAM_RETENTION = {"policy": "limits", "max_age_hours": 2}
    old = note("old", age=timedelta(hours=3))
    note("young", age=timedelta(hours=1))
    note("old-but-open", age=timedelta(hours=3), handled=False)
    waiting = services.ledger_note(ledger_id="k", note="old-in-outbox")
    StreamMessage.objects.filter(message_id=waiting).update(created_at=timezone.now() - timedelta(hours=3))
    # when
    purged = retention.purge_stream("kerneltest")
    # then the old one went, with its deliveries; an open delivery or the outbox keeps a message
    assert purged == 1
    assert kept() == ["old-but-open", "old-in-outbox", "young"]
    assert not Delivery.objects.filter(message_id=old.message_id).exists()


@pytest.mark.django_db
def test_limits_by_count_keep_the_newest(settings):
    settings.MESSAGING_STREAM_RETENTION = {"policy": "limits", "max_messages": 2}
    for text in ("1", "2", "3", "4"):
        note(text, age=timedelta(hours=2))
    assert retention.purge_stream("kerneltest") == 2
    assert kept() == ["3", "4"]


@pytest.mark.django_db
def test_limits_by_size_keep_the_newest_payload_bytes(settings):
    # given payloads of about 100 bytes, and room for two of them
    texts = ["a" * 40, "b" * 40, "c" * 40]
    rows = [note(text, age=timedelta(hours=2)) for text in texts]
    settings.MESSAGING_STREAM_RETENTION = {"policy": "limits", "max_bytes": rows[1].size + rows[2].size}
    # when
    assert retention.purge_stream("kerneltest") == 1
    # then
    assert kept() == texts[1:]


@pytest.mark.django_db
def test_interest_purges_once_every_subscriber_has_handled_it_and_never_before(settings):
    # given the interest policy
    settings.MESSAGING_STREAM_RETENTION = {"policy": "interest"}
    note("done", age=timedelta(hours=2))
    half = note("half-done", age=timedelta(hours=2), handled=False)
    handler, envelope, seq = next(d for d in deliveries_of(half) if d[0] == NOTED)
    consumer.process(handler, envelope, seq)
    Delivery.objects.filter(message_id=half.message_id, status="handled").update(
        handled_at=timezone.now() - timedelta(hours=2)
    )
    dead = note("dead-letter", age=timedelta(hours=2), handled=False)
    Delivery.objects.filter(message_id=dead.message_id).update(status="dead", due_at=None)
    note("done-just-now", age=timedelta(minutes=5))  # its inbox entries are younger than the window
    # when
    assert retention.purge_stream("kerneltest") == 1
    # then a message a subscriber still needs, or may retry, stays
    assert kept() == ["dead-letter", "done-just-now", "half-done"]


@pytest.mark.django_db
def test_nothing_is_purged_inside_the_dedup_window(settings):
    settings.MESSAGING_STREAM_RETENTION = {"policy": "interest"}
    settings.MESSAGING_INBOX_RETENTION_HOURS = 0
    note("fresh", age=timedelta(seconds=10))
    assert retention.purge_stream("kerneltest") == 0
    assert kept() == ["fresh"]


@pytest.mark.django_db
def test_a_stream_overrides_the_default_policy(settings):
    settings.MESSAGING_STREAM_RETENTION = {"policy": "limits", "max_age_hours": 100}
    settings.MESSAGING_STREAMS = {"kerneltest": {"policy": "interest"}}
    note("done", age=timedelta(hours=2))
    assert (
        retention.retention_of("kerneltest").describe() == "interest: until every subscriber has handled it"
    )
    assert retention.purge()["kerneltest"] == 1
    assert kept() == []


@pytest.mark.unit
def test_settings_with_an_unknown_policy_or_key_fail_the_system_check(settings):
    settings.MESSAGING_STREAMS = {"ordering": {"policy": "forever"}, "search": {"max_days": 3}}
    problems = retention.check_settings()
    assert problems == [
        "retention of stream ordering: policy 'forever' is not one of ('limits', 'interest')",
        "retention of stream search: Retention.__init__() got an unexpected keyword argument 'max_days'",
    ]

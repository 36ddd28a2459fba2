from __future__ import annotations

import time

import redis
from django.conf import settings

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.api import Envelope, TerminalError, publish

from . import contracts
from .models import HandledEffect


def _effect(handler: str, key: str, value: str) -> None:
    ctx = message_context.current()
    HandledEffect.objects.create(
        handler=handler,
        key=key,
        value=value,
        correlation_id=ctx.correlation_id,
        causation_id=ctx.causation_id or "",
    )


def on_ledger_credited_in_order(event: contracts.LedgerCredited, envelope: Envelope) -> None:
    _effect("in_order", event.ledger_id, str(event.entry))


def on_ledger_closed_in_order(event: contracts.LedgerClosed, envelope: Envelope) -> None:
    """Same order group as on_ledger_credited_in_order: a ledger's history in publication order."""
    _effect("in_order", event.ledger_id, "closed")


def on_ledger_credited_count(event: contracts.LedgerCredited, envelope: Envelope) -> None:
    _effect("count", event.ledger_id, str(event.entry))


def on_ledger_credited_forward(event: contracts.LedgerCredited, envelope: Envelope) -> None:
    """Publishes a follow-up message: its correlation id must be the credited one's, its
    causation id the credited message's id."""
    if event.note == "forward":
        publish(contracts.LedgerNoted(ledger_id=event.ledger_id, note=f"forwarded-{event.entry}"))


def _fail_if_budget_left(handler: str, event: contracts.LedgerNoted) -> None:
    """Fail the first `fail_times` deliveries. The count lives in Redis, outside the handler's
    database transaction, which rolls back on failure."""
    if event.fail_times <= 0:
        return
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    failures = client.incr(f"kerneltest:failures:{handler}:{event.note}")
    if failures <= event.fail_times:
        raise (TerminalError if event.terminal else RuntimeError)(
            f"planned failure {failures} of {event.note}"
        )


def on_ledger_noted(event: contracts.LedgerNoted, envelope: Envelope) -> None:
    _fail_if_budget_left("noted", event)
    if event.sleep_seconds:
        # Outside the transaction, so a test sees the handler started even if it never commits.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).incr(f"kerneltest:started:{event.note}")
        time.sleep(event.sleep_seconds)
    _effect("noted", event.ledger_id, event.note)


def on_ledger_noted_in_order(event: contracts.LedgerNoted, envelope: Envelope) -> None:
    _fail_if_budget_left("noted_in_order", event)
    _effect("noted_in_order", event.ledger_id, event.note)


def on_ledger_audited_in_order(event: contracts.LedgerAudited, envelope: Envelope) -> None:
    """An ordered subscriber that starts from the earliest retained message."""
    _effect("audited_in_order", event.ledger_id, str(event.entry))


def on_ledger_audited(event: contracts.LedgerAudited, envelope: Envelope) -> None:
    _effect("audited", event.ledger_id, str(event.entry))

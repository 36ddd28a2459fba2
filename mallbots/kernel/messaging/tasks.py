"""Celery tasks of the messaging kernel. Transport only: the logic lives in consumer.py,
relay.py, reconcile.py, catchup.py and retention.py."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import DatabaseError

from . import catchup, consumer, failures, reconcile, relay, retention
from .transport import SENT_HEADER


@shared_task(name="messaging.deliver", bind=True, max_retries=None)
def deliver(
    self: Task,
    handler: str,
    envelope: dict[str, Any],
    seq: int | None,
    attempt: int = 0,
) -> str:
    sent_at = (self.request.headers or {}).get(SENT_HEADER) or getattr(self.request, SENT_HEADER, None)
    try:
        return consumer.process(handler, envelope, seq, attempt, sent_at=sent_at).value
    except DatabaseError as exc:
        # Not even the failure could be recorded (database down): let the broker keep it.
        raise self.retry(exc=exc, countdown=failures.backoff(self.request.retries + 1)) from exc


@shared_task(name="messaging.relay_sweep", ignore_result=True)
def relay_sweep(streams: list[str] | None = None) -> int:
    return relay.relay_pending(streams, max_seconds=5.0)


@shared_task(name="messaging.reconcile", ignore_result=True)
def reconcile_sweep() -> int:
    return reconcile.sweep_all()


@shared_task(name="messaging.catch_up", ignore_result=True)
def catch_up() -> int:
    return catchup.advance(max_seconds=5.0)


@shared_task(name="messaging.purge", ignore_result=True)
def purge() -> dict[str, int]:
    return retention.purge()

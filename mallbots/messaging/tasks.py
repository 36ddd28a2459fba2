"""Celery tasks of the messaging kernel. Transport only: the logic lives in consumer.py,
relay.py and operations.py."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import DatabaseError

from . import consumer, operations, relay


@shared_task(name="messaging.deliver", bind=True, max_retries=None)
def deliver(
    self: Task,
    handler: str,
    envelope: dict[str, Any],
    seq: int | None,
    attempt: int = 0,
) -> str:
    try:
        return consumer.process(handler, envelope, seq, attempt).value
    except DatabaseError as exc:
        # Not even the failure could be recorded (database down): let the broker keep it.
        raise self.retry(exc=exc, countdown=consumer.backoff(self.request.retries + 1)) from exc


@shared_task(name="messaging.relay_sweep", ignore_result=True)
def relay_sweep() -> int:
    return relay.relay_pending(max_seconds=5.0)


@shared_task(name="messaging.retry_due", ignore_result=True)
def retry_due() -> int:
    return operations.retry_due()


@shared_task(name="messaging.purge", ignore_result=True)
def purge() -> tuple[int, int]:
    return operations.purge()

"""Celery tasks of the saga engine."""

from __future__ import annotations

from celery import shared_task

from . import engine


@shared_task(name="sagas.time_out", ignore_result=True)
def time_out() -> int:
    return engine.time_out()

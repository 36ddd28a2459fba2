"""Health, kept apart by who asks:

- /health/live: the process answers (liveness: restart it when this fails);
- /health/ready: the process can serve, because it reaches the database and the broker
  (readiness: a load balancer takes it out of rotation when this answers 503). One stuck
  message never fails it: that would take every replica out at once;
- /health/progress: messaging makes progress (for monitors and alerts): 503 with the reasons
  when the outbox lags, deliveries stay unhandled, a held message is stuck or dead letters
  wait. It also reports each subscriber's lag and every queue's backlog."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from mallbots.kernel.messaging.api import progress, queue_backlog


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True}


def _broker() -> dict[str, Any]:
    try:
        return {"ok": True, "backlog": queue_backlog()}
    except Exception as exc:
        return {"ok": False, "error": str(exc)}


def _answer(checks: dict[str, Any], **extra: Any) -> JsonResponse:
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks, **extra}, status=200 if ok else 503
    )


def readiness() -> dict[str, Any]:
    """What /health/ready checks: {"database": {"ok": ...}, "broker": {"ok": ...}}."""
    return {"database": _database(), "broker": _broker()}


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    return _answer(readiness())


@require_GET
def progress_view(request: HttpRequest) -> JsonResponse:
    database = _database()
    if not database["ok"]:
        return _answer({"database": database})
    state = progress()
    checks = {
        "broker": _broker(),
        "outbox": {
            "ok": state.outbox_ok,
            "unsent": state.outbox_unsent,
            "lagSeconds": round(state.outbox_lag_seconds, 3),
        },
        "deliveries": {
            "ok": state.undelivered == 0,
            "pending": state.pending,
            "overdue": state.overdue,
            "undelivered": state.undelivered,
            "retrying": state.retrying,
        },
        "held": {
            "ok": not state.stuck,
            "count": state.held,
            "stuck": [
                {
                    "handler": s.handler,
                    "message": s.message,
                    "waitingSeconds": round(s.waiting_seconds),
                    "why": s.why,
                }
                for s in state.stuck
            ],
        },
        "deadLetters": {"ok": state.dead_letters_ok, "count": state.dead_letters},
    }
    subscribers = {
        s.name: {"state": s.state, "open": s.open, "oldestSeconds": round(s.oldest_seconds, 3)}
        for s in state.subscribers
    }
    return _answer(checks, problems=state.problems(), subscribers=subscribers)

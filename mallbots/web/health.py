"""Health means progress: /health/live answers while the process serves; /health/ready also
checks the database, the broker, the outbox lag and the dead letters, and answers 503 when
any is wrong."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from mallbots.messaging import operations


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": str(exc)}
        return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    try:
        backlog = operations.queue_backlog()
        checks["broker"] = {"ok": True, "backlog": backlog}
    except Exception as exc:
        checks["broker"] = {"ok": False, "error": str(exc)}
        ok = False
    state = operations.health()
    lag_ok = state.outbox_lag_seconds <= settings.MESSAGING_MAX_OUTBOX_LAG_SECONDS
    checks["outbox"] = {
        "ok": lag_ok,
        "unsent": state.outbox_unsent,
        "lagSeconds": round(state.outbox_lag_seconds, 3),
    }
    dead_ok = state.dead_letters <= settings.MESSAGING_MAX_DEAD_LETTERS
    checks["deadLetters"] = {"ok": dead_ok, "count": state.dead_letters}
    checks["retries"] = {"ok": True, "retrying": state.retrying, "held": state.held}
    ok = ok and lag_ok and dead_ok
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status=200 if ok else 503,
    )

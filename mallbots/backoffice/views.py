"""The front door at `/`: what runs here, and where to go (back office, API docs, the event
catalogue, health). Public, like /health/: it shows no business data."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mallbots.kernel.ops.health import readiness


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    queues = set(settings.MESSAGING_CONTEXT_QUEUES)
    contexts = [
        {"label": config.label, "name": config.verbose_name, "queue": config.label in queues}
        for config in apps.get_app_configs()
        if config.name.startswith("apps.")
    ]
    checks = readiness()
    return render(
        request,
        "backoffice/home.html",
        {
            "contexts": contexts,
            "database_ok": checks["database"]["ok"],
            "broker_ok": checks["broker"]["ok"],
            "kernel_queue": settings.MESSAGING_KERNEL_QUEUE,
        },
    )

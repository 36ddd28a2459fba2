"""/metrics for Prometheus: HTTP and database metrics of django-prometheus, the messaging
kernel's and the business metrics (mallbots.kernel.messaging.metrics). Unauthenticated like the
health checks: expose it to the scraper's network only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from mallbots.kernel.messaging.metrics import exposition
from mallbots.kernel.messaging.progress import MessagingStateCollector


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(exposition(MessagingStateCollector()), content_type=CONTENT_TYPE_LATEST)

"""The integration events for people and tools: /api/events/ (HTML) and
/api/events/asyncapi.json (the AsyncAPI document). Public, like the REST API's docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import asyncapi


@require_GET
def asyncapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(asyncapi.document(), json_dumps_params={"indent": 2})


@require_GET
def events_page(request: HttpRequest) -> HttpResponse:
    events = asyncapi.event_docs()
    producers = sorted({e.producer for e in events})
    queues = sorted({s.queue for e in events for s in e.subscribers})
    return render(
        request,
        "messaging/events.html",
        {"events": events, "producers": producers, "queues": queues},
    )

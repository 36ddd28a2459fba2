"""Back office for the event store. History is append-only and read models are derived from
it, so nothing here can be added, changed or deleted by hand: staff with the view permission
browse events and snapshots, and staff with the change permission on projection runs may
rebuild projections (the only write, and it goes through `projections.rebuild`). The stream
browser shows any stream's events in order and its aggregate's state as of any version."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import EventSourcedAggregate
from mallbots.kernel.web.admin import ReadOnlyAdmin, plural, pretty_json

from . import projections, store
from .models import Event, ProjectionRun, Snapshot


def state_json(aggregate: EventSourcedAggregate) -> str:
    """The aggregate's snapshot form when it has one, else its public attributes."""
    state = aggregate.snapshot()
    if state is None:
        state = {name: value for name, value in vars(aggregate).items() if not name.startswith("_")}

    def fallback(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        if isinstance(value, set | frozenset):
            return sorted(value, key=str)
        return str(value)

    return json.dumps(state, indent=2, sort_keys=True, ensure_ascii=False, default=fallback)


def stream_url(stream_type: str, stream_id: str, version: int | None = None) -> str:
    query = {"type": stream_type, "id": stream_id, **({"version": version} if version is not None else {})}
    return f"{reverse('admin:eventstore_event_stream')}?{urlencode(query)}"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = (
        "position",
        "stream_type",
        "stream_id",
        "version",
        "event_type",
        "schema_version",
        "occurred_at",
        "stream_link",
    )
    list_filter = ("stream_type", "event_type")
    # Ids are pasted whole: exact matches, so a search does not scan every payload.
    search_fields = ("=stream_id", "=metadata__correlation_id")
    search_help_text = "Exact stream id or correlation id."
    ordering = ("-position",)
    # The table only grows: skip the unfiltered COUNT(*) on every page.
    show_full_result_count = False
    fields = (
        "position",
        "stream_type",
        "stream_id",
        "version",
        "event_type",
        "schema_version",
        "occurred_at",
        "pretty_data",
        "pretty_metadata",
        "stream_link",
    )
    readonly_fields = fields

    @admin.display(description="stream")
    def stream_link(self, obj: Event) -> SafeString:
        return format_html(
            '<a href="{}">history and state at v{}</a>',
            stream_url(obj.stream_type, obj.stream_id, obj.version),
            obj.version,
        )

    def get_urls(self) -> list[URLPattern]:
        browse = path("stream/", self.admin_site.admin_view(self.stream_view), name="eventstore_event_stream")
        return [browse, *super().get_urls()]

    def stream_view(self, request: HttpRequest) -> TemplateResponse:
        """?type=&id= shows a stream's events and its state as of ?version= (default: the last)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        stream_type = request.GET.get("type", "").strip()
        stream_id = request.GET.get("id", "").strip()
        events = store.read_stream(stream_type, stream_id) if stream_type and stream_id else []
        last = events[-1].version if events else 0
        try:
            version = min(max(int(request.GET.get("version", last)), 0), last)
        except ValueError:
            version = last
        state, error = "", ""
        if events:
            try:
                state = state_json(store.state_at(events, stream_id, version))
            except Exception as exc:  # an unknown class or an event that no longer folds: say so
                error = f"{exc.__class__.__name__}: {exc}"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Stream {stream_type} {stream_id}" if stream_type and stream_id else "Event streams",
            "stream_type": stream_type,
            "stream_id": stream_id,
            # Registered types only: a DISTINCT over the whole event table would not stay cheap.
            "stream_types": sorted({*store.aggregate_types(), *([stream_type] if stream_type else [])}),
            "events": [
                {
                    "event": event,
                    "data": json.dumps(event.data, indent=2, sort_keys=True, ensure_ascii=False),
                    "metadata": json.dumps(event.metadata, indent=2, sort_keys=True, ensure_ascii=False),
                    "url": stream_url(stream_type, stream_id, event.version),
                }
                for event in events
            ],
            "version": version,
            "last_version": last,
            "state": state,
            "state_error": error,
        }
        return TemplateResponse(request, "admin/eventstore/stream.html", context)

    @admin.display(description="data")
    def pretty_data(self, obj: Event) -> SafeString:
        return pretty_json(obj.data)

    @admin.display(description="metadata")
    def pretty_metadata(self, obj: Event) -> SafeString:
        return pretty_json(obj.metadata)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("stream_type", "stream_id", "version", "schema_version", "created_at")
    list_filter = ("stream_type",)
    search_fields = ("=stream_id",)
    search_help_text = "Exact stream id."
    ordering = ("stream_type", "stream_id")
    fields = ("stream_type", "stream_id", "version", "schema_version", "created_at", "pretty_state")
    readonly_fields = fields

    @admin.display(description="state")
    def pretty_state(self, obj: Snapshot) -> SafeString:
        return pretty_json(obj.state)


@admin.register(ProjectionRun)
class ProjectionRunAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "stream_types",
        "registered",
        "last_rebuild_started_at",
        "last_rebuild_finished_at",
        "streams_rebuilt",
        "events_replayed",
        "head_position",
    )
    ordering = ("name",)
    actions = ("rebuild_selected",)
    fields = list_display
    readonly_fields = fields

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Every registered projection gets a row, so a never-rebuilt one can be selected too.
        ProjectionRun.objects.bulk_create(
            [ProjectionRun(name=name) for name in projections.registered()], ignore_conflicts=True
        )
        return super().changelist_view(request, extra_context)

    @admin.display(description="stream types")
    def stream_types(self, obj: ProjectionRun) -> str:
        projection = projections.registered().get(obj.name)
        return ", ".join(projection.stream_types) if projection else "-"

    @admin.display(description="registered", boolean=True)
    def registered(self, obj: ProjectionRun) -> bool:
        return obj.name in projections.registered()

    def has_rebuild_permission(self, request: HttpRequest) -> bool:
        # Rebuilding rewrites read models: it takes the (otherwise unused) change permission.
        return self.has_model_perm(request, "change")

    @admin.action(description="Rebuild selected projections", permissions=["rebuild"])
    def rebuild_selected(self, request: HttpRequest, queryset: QuerySet[ProjectionRun]) -> None:
        known = projections.registered()
        for run in queryset.order_by("name"):
            projection = known.get(run.name)
            if projection is None:
                self.message_user(
                    request,
                    f"{run.name} is not a registered projection; nothing was rebuilt.",
                    messages.WARNING,
                )
                continue
            started = time.monotonic()
            streams, events = projections.rebuild(projection)
            self.message_user(
                request,
                f"Rebuilt {run.name}: {plural(streams, 'stream')}, {plural(events, 'event')} replayed "
                f"in {time.monotonic() - started:.1f}s.",
                messages.SUCCESS,
            )

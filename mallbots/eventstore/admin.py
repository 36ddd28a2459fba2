"""Back office for the event store. History is append-only and read models are derived from
it, so nothing here can be added, changed or deleted by hand: staff with the view permission
browse events and snapshots, and staff with the change permission on projection runs may
rebuild projections (the only write, and it goes through `projections.rebuild`)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from . import projections
from .models import Event, ProjectionRun, Snapshot


def pretty_json(value: Any) -> SafeString:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return format_html("<pre>{}</pre>", text)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable with the view permission, never editable: the change form renders read-only,
    a POST to it answers 403, and the add and delete views (and `delete_selected`) disappear."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


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
    )
    readonly_fields = fields

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
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

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

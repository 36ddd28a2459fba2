"""Back office for the messaging tables. Rows are written only by the kernel (publish, relay,
consumer), so nothing here can be added, changed or deleted by hand. What staff do is act on
dead letters, through `operations`: retry them (with the change permission on failed
deliveries) or discard them (with the delete permission)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from . import operations
from .models import FailedDelivery, InboxMessage, OutboxMessage


def pretty_json(value: Any) -> SafeString:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return format_html("<pre>{}</pre>", text)


def dead_letters_phrase(count: int) -> str:
    return f"{count} dead letter{'' if count == 1 else 's'}"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable with the view permission, never editable: the change form renders read-only,
    a POST to it answers 403, and the add and delete views (and `delete_selected`) disappear."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class SentFilter(admin.SimpleListFilter):
    title = "sent"
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "position",
        "name",
        "partition_key",
        "producer",
        "correlation_id",
        "created_at",
        "sent_at",
    )
    list_filter = (SentFilter, "producer")
    search_fields = ("message_id", "correlation_id", "partition_key")
    ordering = ("-position",)
    show_full_result_count = False
    fields = (
        "position",
        "message_id",
        "name",
        "version",
        "partition_key",
        "producer",
        "correlation_id",
        "causation_id",
        "created_at",
        "sent_at",
        "pretty_payload",
        "pretty_metadata",
        "pretty_deliveries",
    )
    readonly_fields = fields

    @admin.display(description="payload")
    def pretty_payload(self, obj: OutboxMessage) -> SafeString:
        return pretty_json(obj.payload)

    @admin.display(description="metadata")
    def pretty_metadata(self, obj: OutboxMessage) -> SafeString:
        return pretty_json(obj.metadata)

    @admin.display(description="deliveries")
    def pretty_deliveries(self, obj: OutboxMessage) -> SafeString:
        return pretty_json(obj.deliveries)


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("handled_at", "handler", "name", "message_id", "partition_key", "correlation_id")
    list_filter = ("handler",)
    search_fields = ("message_id", "correlation_id", "partition_key")
    ordering = ("-handled_at",)
    show_full_result_count = False


@admin.register(FailedDelivery)
class FailedDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "status",
        "handler",
        "name",
        "partition_key",
        "seq",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "next_attempt_at",
    )
    list_filter = ("status", "handler")
    search_fields = ("message_id", "partition_key")
    ordering = ("-last_failed_at",)
    actions = ("retry_selected", "discard_selected")
    fields = (
        "status",
        "handler",
        "queue",
        "message_id",
        "name",
        "partition_key",
        "seq",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "next_attempt_at",
        "formatted_error",
        "pretty_envelope",
    )
    readonly_fields = fields

    @admin.display(description="last error")
    def formatted_error(self, obj: FailedDelivery) -> SafeString:
        return format_html("<pre>{}</pre>", obj.last_error)

    @admin.display(description="envelope")
    def pretty_envelope(self, obj: FailedDelivery) -> SafeString:
        return pretty_json(obj.envelope)

    def _has_model_perm(self, request: HttpRequest, action: str) -> bool:
        codename = get_permission_codename(action, self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "change")

    def has_discard_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "delete")

    @admin.action(description="Retry selected dead letters", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[FailedDelivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = operations.retry_dead_letters(ids)
        self._report(request, f"Retried {dead_letters_phrase(count)}.", count, len(ids))

    @admin.action(description="Discard selected dead letters", permissions=["discard"])
    def discard_selected(self, request: HttpRequest, queryset: QuerySet[FailedDelivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = operations.discard_dead_letters(ids)
        self._report(request, f"Discarded {dead_letters_phrase(count)}.", count, len(ids))

    def _report(self, request: HttpRequest, done: str, count: int, selected: int) -> None:
        skipped = selected - count
        if skipped:
            if skipped == 1:
                done += " 1 selected row was not a dead letter and was left alone."
            else:
                done += f" {skipped} selected rows were not dead letters and were left alone."
        self.message_user(request, done, messages.SUCCESS if count else messages.WARNING)

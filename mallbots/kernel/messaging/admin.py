"""Back office for the messaging tables. Rows are written only by the kernel (publish, relay,
consumer, sweeps), so nothing here can be added, changed or deleted by hand. What staff do
goes through the kernel's functions: retry dead letters (with the change permission on failed
deliveries), discard them (with the delete permission), and replay a subscriber (with the
change permission on subscribers), after a confirmation page that says what will happen."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from mallbots.kernel.web.admin import (
    CommandAdmin,
    ReadOnlyAdmin,
    plural,
    pretty_json,
    render_command_form,
    short_id,
)

from . import catchup, failures
from .models import Delivery, FailedDelivery, Stream, StreamMessage, Subscriber
from .retention import retention_of


@admin.register(Stream)
class StreamAdmin(ReadOnlyAdmin):
    list_display = ("name", "head", "messages", "retention")
    ordering = ("name",)
    fields = ("name", "head", "messages", "retention", "created_at")
    readonly_fields = fields

    @admin.display(description="messages retained")
    def messages(self, obj: Stream) -> int:
        return StreamMessage.objects.filter(producer=obj.name).count()

    @admin.display(description="retention")
    def retention(self, obj: Stream) -> str:
        return retention_of(obj.name).describe()


class InOutboxFilter(admin.SimpleListFilter):
    title = "appended to its stream"
    parameter_name = "appended"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No (in the outbox)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[StreamMessage]) -> QuerySet[StreamMessage]:
        if self.value() == "yes":
            return queryset.filter(stream_position__isnull=False)
        if self.value() == "no":
            return queryset.filter(stream_position__isnull=True)
        return queryset


@admin.register(StreamMessage)
class StreamMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "position",
        "producer",
        "stream_position",
        "name",
        "partition",
        "correlation",
        "created_at",
    )
    list_filter = (InOutboxFilter, "producer")
    search_fields = ("message_id", "correlation_id", "partition_key")
    ordering = ("-position",)
    show_full_result_count = False
    fields = (
        "position",
        "message_id",
        "producer",
        "stream_position",
        "name",
        "version",
        "partition_key",
        "correlation_id",
        "causation_id",
        "created_at",
        "appended_at",
        "pretty_payload",
        "pretty_metadata",
        "deliveries",
    )
    readonly_fields = fields

    @admin.display(description="partition key", ordering="partition_key")
    def partition(self, obj: StreamMessage) -> SafeString:
        return short_id(obj.partition_key)

    @admin.display(description="correlation id", ordering="correlation_id")
    def correlation(self, obj: StreamMessage) -> SafeString:
        return short_id(obj.correlation_id)

    @admin.display(description="payload")
    def pretty_payload(self, obj: StreamMessage) -> SafeString:
        return pretty_json(obj.payload)

    @admin.display(description="metadata")
    def pretty_metadata(self, obj: StreamMessage) -> SafeString:
        return pretty_json(obj.metadata)

    @admin.display(description="deliveries")
    def deliveries(self, obj: StreamMessage) -> SafeString:
        rows = Delivery.objects.filter(message_id=obj.message_id).order_by("handler")
        if not rows:
            return format_html("{}", "none yet" if obj.in_outbox else "nobody subscribes")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {}</li>',
                (
                    (reverse("admin:messaging_delivery_change", args=[d.pk]), d.handler, d.status)
                    for d in rows
                ),
            ),
        )


class ReplayForm(forms.Form):
    start = forms.ChoiceField(
        label="From",
        choices=[
            ("earliest", "the earliest retained message"),
            ("position", "a position"),
            ("time", "a time"),
        ],
    )
    position = forms.IntegerField(
        required=False, min_value=1, help_text="A global position (with “a position”)."
    )
    time = forms.DateTimeField(required=False, help_text="YYYY-MM-DD HH:MM:SS, in UTC (with “a time”).")
    forget = forms.BooleanField(
        required=False,
        label="Forget what it handled",
        help_text="Run its effects again from there on (to rebuild a read model that was emptied). An ordered "
        "subscriber forgets everything, from the earliest message.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def start_point(self) -> str:
        data = self.cleaned_data
        if data["start"] == "position":
            if not data.get("position"):
                raise forms.ValidationError("Give the position to start from.")
            return f"position:{data['position']}"
        if data["start"] == "time":
            if not data.get("time"):
                raise forms.ValidationError("Give the time to start from.")
            return f"time:{data['time'].isoformat()}"
        return "earliest"


@admin.register(Subscriber)
class SubscriberAdmin(CommandAdmin):
    list_display = ("name", "event", "stream", "queue", "sequence", "state", "open_deliveries", "start_from")
    list_filter = ("state", "stream", "queue")
    search_fields = ("name", "event")
    ordering = ("name",)
    fields = (
        "name",
        "event",
        "stream",
        "queue",
        "sequence",
        "state",
        "start_from",
        "caught_up_to",
        "open_deliveries",
        "replay_link",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="not handled yet")
    def open_deliveries(self, obj: Subscriber) -> int:
        return Delivery.objects.filter(handler=obj.name, status__in=Delivery.OPEN).count()

    @admin.display(description="replay")
    def replay_link(self, obj: Subscriber) -> SafeString:
        if obj.state == Subscriber.State.RETIRED:
            return format_html("{}", "retired: no longer subscribed in the code")
        return format_html(
            '<a href="{}">Replay…</a>', reverse("admin:messaging_subscriber_replay", args=[obj.pk])
        )

    def get_urls(self) -> list[URLPattern]:
        return [self.command_url("<path:object_id>/replay/", self.replay_view, "replay"), *super().get_urls()]

    def replay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_model_perm(request, "change"):
            raise PermissionDenied
        subscriber = get_object_or_404(Subscriber, pk=object_id)
        form = ReplayForm(request.POST if request.method == "POST" else None)
        intro = [
            f"Replaying {subscriber.name} delivers it every retained message of {subscriber.event} from the "
            "start you choose that it has not handled: messages it never had, and deliveries not handled "
            "yet. What it handled already changes nothing (its inbox), unless it forgets."
        ]
        if form.is_valid():
            try:
                start = form.start_point()
                plan = catchup.replay(
                    subscriber.name, start, forget=form.cleaned_data["forget"], dry_run=True
                )
                if form.cleaned_data["confirmed"]:
                    catchup.replay(subscriber.name, start, forget=form.cleaned_data["forget"])
                    self.message_user(
                        request,
                        f"{', '.join(plan.members)} catching up from {plan.start}: {plan.missing} messages to "
                        "deliver; the catch-up runs in the background.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:messaging_subscriber_change", args=[subscriber.pk])
                    )
            except (ValueError, forms.ValidationError) as error:
                form.add_error(
                    None, error.messages if isinstance(error, forms.ValidationError) else str(error)
                )
            else:
                intro = [
                    f"Replay {', '.join(plan.members)} from {plan.start}"
                    f"{', forgetting what they handled' if plan.forget else ''}: {plan.messages} messages, "
                    f"{plan.missing} to deliver, {plan.open} not handled yet to send again, "
                    f"{plan.handled} handled already (unchanged)"
                    + (f", {plan.skipped} older than what it handled (skipped)" if plan.skipped else "")
                    + ". Confirm to start.",
                ]
                form = ReplayForm({**request.POST.dict(), "confirmed": "on"})
                form.is_valid()
        return render_command_form(
            self,
            request,
            form,
            title=f"Replay {subscriber.name}",
            submit="Replay",
            original=subscriber,
            intro=intro,
        )


class DeliveryDetails(ReadOnlyAdmin):
    """A delivery's page: its state, a link to its message, its last error."""

    ordering = ("-pk",)
    show_full_result_count = False
    search_fields = ("message_id", "partition_key", "handler")
    fields = (
        "status",
        "handler",
        "queue",
        "message_link",
        "name",
        "partition_key",
        "sequence",
        "seq",
        "attempts",
        "created_at",
        "sent_at",
        "due_at",
        "handled_at",
        "first_failed_at",
        "last_failed_at",
        "formatted_error",
    )
    readonly_fields = fields

    @admin.display(description="partition key", ordering="partition_key")
    def partition(self, obj: Delivery) -> SafeString:
        return short_id(obj.partition_key)

    @admin.display(description="message")
    def message_link(self, obj: Delivery) -> SafeString:
        message = StreamMessage.objects.filter(message_id=obj.message_id).first()
        if message is None:
            return format_html("{} (purged)", obj.message_id)
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:messaging_streammessage_change", args=[message.pk]),
            obj.message_id,
        )

    @admin.display(description="last error")
    def formatted_error(self, obj: Delivery) -> SafeString:
        return format_html("<pre>{}</pre>", obj.last_error)


@admin.register(Delivery)
class DeliveryAdmin(DeliveryDetails):
    list_display = (
        "pk",
        "status",
        "handler",
        "name",
        "partition",
        "seq",
        "attempts",
        "sent_at",
        "handled_at",
    )
    list_filter = ("status", "queue", "handler")


@admin.register(FailedDelivery)
class FailedDeliveryAdmin(DeliveryDetails):
    list_display = (
        "pk",
        "status",
        "handler",
        "name",
        "partition",
        "seq",
        "attempts",
        "error",
        "first_failed_at",
        "last_failed_at",
        "due_at",
    )
    list_filter = ("status", "handler")
    ordering = ("-last_failed_at",)
    actions = ("retry_selected", "discard_selected")

    @admin.display(description="error")
    def error(self, obj: FailedDelivery) -> str:
        return failures.error_summary(obj.last_error)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "change")

    def has_discard_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "delete")

    @admin.action(description="Retry selected dead letters", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[FailedDelivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = failures.retry_dead_letters(ids)
        self._report(request, f"Retried {plural(count, 'dead letter')}.", count, len(ids))

    @admin.action(description="Discard selected dead letters", permissions=["discard"])
    def discard_selected(self, request: HttpRequest, queryset: QuerySet[FailedDelivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = failures.discard_dead_letters(ids)
        self._report(request, f"Discarded {plural(count, 'dead letter')}.", count, len(ids))

    def _report(self, request: HttpRequest, done: str, count: int, selected: int) -> None:
        skipped = selected - count
        if skipped:
            if skipped == 1:
                done += " 1 selected row was not a dead letter and was left alone."
            else:
                done += f" {skipped} selected rows were not dead letters and were left alone."
        self.message_user(request, done, messages.SUCCESS if count else messages.WARNING)

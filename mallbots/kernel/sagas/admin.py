"""Back office for saga instances (the orchestrated create-order saga, and any other): where
each one is, which way it goes, how old it is, and the commands and replies it exchanged.
Instances are written only by the saga engine, so nothing here can be changed by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from mallbots.kernel.messaging.models import Delivery, StreamMessage
from mallbots.kernel.web.admin import ReadOnlyAdmin, html_table, pretty_json, short_id

from .engine import registered
from .models import SagaInstance

# A running saga not changed for this long is listed as stuck even before its step's deadline.
STUCK_AFTER = timedelta(minutes=5)


def step_name(instance: SagaInstance) -> str:
    saga = registered().get(instance.name)
    if saga is None or not 0 <= instance.step < len(saga.steps):
        return str(instance.step)
    return f"{instance.step}: {saga.steps[instance.step].name}"


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("forward", "Running forward"),
            ("compensating", "Compensating"),
            ("stuck", "Stuck (past its step's deadline, or unchanged for 5 minutes)"),
            ("finished", "Finished"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SagaInstance]) -> QuerySet[SagaInstance]:
        running = queryset.filter(status=SagaInstance.Status.RUNNING)
        now = timezone.now()
        if self.value() == "forward":
            return running.filter(compensating=False)
        if self.value() == "compensating":
            return running.filter(compensating=True)
        if self.value() == "stuck":
            return running.filter(Q(step_deadline__lt=now) | Q(updated_at__lt=now - STUCK_AFTER))
        if self.value() == "finished":
            return queryset.exclude(status=SagaInstance.Status.RUNNING)
        return queryset


@admin.register(SagaInstance)
class SagaInstanceAdmin(ReadOnlyAdmin):
    list_display = ("saga", "name", "status", "current_step", "direction", "age", "updated_at")
    list_filter = (StateFilter, "status", "name")
    search_fields = ("=saga_id", "=correlation_id")
    ordering = ("-created_at",)
    fields = (
        "name",
        "saga_id",
        "correlation_id",
        "status",
        "current_step",
        "direction",
        "failure_reason",
        "failures_while_compensating",
        "step_deadline",
        "created_at",
        "updated_at",
        "finished_at",
        "steps",
        "messages",
        "saga_data",
    )
    readonly_fields = fields

    @admin.display(description="saga", ordering="saga_id")
    def saga(self, obj: SagaInstance) -> SafeString:
        return short_id(obj.saga_id)

    @admin.display(description="step")
    def current_step(self, obj: SagaInstance) -> str:
        return step_name(obj)

    @admin.display(description="direction")
    def direction(self, obj: SagaInstance) -> str:
        return "compensating" if obj.compensating else "forward"

    @admin.display(description="age", ordering="created_at")
    def age(self, obj: SagaInstance) -> str:
        return timesince(obj.created_at, obj.finished_at or timezone.now())

    @admin.display(description="failures while compensating")
    def failures_while_compensating(self, obj: SagaInstance) -> SafeString:
        rows = [(failure["step"], failure["reason"]) for failure in obj.compensation_failures]
        return html_table(["step", "reason"], rows, empty="None.")

    @admin.display(description="data")
    def saga_data(self, obj: SagaInstance) -> SafeString:
        return pretty_json(obj.data)

    @admin.display(description="steps")
    def steps(self, obj: SagaInstance) -> SafeString:
        """The saga's definition, each step with what it does each way and where this run is."""
        saga = registered().get(obj.name)
        if saga is None:
            return html_table(["step"], [], empty="This saga is not defined in the code this process runs.")
        rows: list[tuple[Any, ...]] = []
        for index, step in enumerate(saga.steps):
            forward = "command" if step.action else "local" if step.local else "—"
            backward = "command" if step.compensation else "local" if step.local_compensation else "—"
            here = "◀ here" if index == obj.step and obj.status == SagaInstance.Status.RUNNING else ""
            rows.append((index, step.name, forward, backward, here))
        return html_table(["#", "step", "forward", "compensation", ""], rows)

    @admin.display(description="commands and replies")
    def messages(self, obj: SagaInstance) -> SafeString:
        """What the saga sent and what came back, oldest first, from the messages of its
        correlation id, with how each delivery ended."""
        saga = registered().get(obj.name)
        channel = saga.reply_channel if saga else ""
        # A command names its saga in its metadata, and its reply copies it.
        sent = StreamMessage.objects.filter(
            correlation_id=obj.correlation_id, metadata__saga_id=obj.saga_id, metadata__saga_name=obj.name
        ).order_by("position")
        outcomes = {
            str(d.message_id): d.status
            for d in Delivery.objects.filter(message_id__in=[m.message_id for m in sent])
        }
        rows = []
        for message in sent:
            meta = message.metadata
            reply = message.producer == channel
            rows.append(
                (
                    message.created_at.strftime("%H:%M:%S.%f")[:-3],
                    "reply" if reply else "command",
                    meta.get("reply_type", "") if reply else message.name,
                    f"{meta.get('saga_step')}{' (compensating)' if meta.get('saga_compensating') else ''}",
                    outcomes.get(str(message.message_id), "not delivered yet"),
                    message.payload.get("reason", "") if reply else "",
                )
            )
        return html_table(["at", "kind", "message", "step", "delivery", "reason"], rows, empty="None yet.")

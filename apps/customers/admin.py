"""Back office for mall staff. Customers are never edited as raw rows: the change form is
read-only, and every change goes through a service — registering (the "add" page is a
registration form), changing the SMS number (a form linked from the customer's page), and
enabling or disabling (changelist actions). Domain errors come back as error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern

from mallbots.kernel.web.admin import CommandAdmin, plural

from . import selectors, services
from .domain import SMS_NUMBER_MAX_LENGTH, CustomerNotFound
from .models import Customer


class RegisterCustomerForm(forms.Form):
    name = forms.CharField()
    sms_number = forms.CharField(label="SMS number", max_length=SMS_NUMBER_MAX_LENGTH)


class ChangeSmsNumberForm(forms.Form):
    sms_number = forms.CharField(label="New SMS number", max_length=SMS_NUMBER_MAX_LENGTH)


@admin.register(Customer)
class CustomerAdmin(CommandAdmin):
    list_display = ("name", "sms_number", "enabled", "created_at", "updated_at")
    list_filter = ("enabled",)
    search_fields = ("name", "sms_number")
    fields = ("id", "name", "sms_number", "enabled", "version", "created_at", "updated_at")
    readonly_fields = fields
    actions = ("enable_selected", "disable_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return selectors.customer_list()

    # --- permissions: the row is never edited or deleted by hand ---------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The "add" page is the registration form, which calls the service.
        return self.has_model_perm(request, "add")

    def has_enable_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "change")

    def has_disable_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "change")

    def has_change_sms_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "change")

    # --- enable / disable ----------------------------------------------------------------

    @admin.action(description="Enable selected customers", permissions=["enable"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        self._run_for_each(request, queryset, services.customer_enable, "Enabled")

    @admin.action(description="Disable selected customers", permissions=["disable"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        self._run_for_each(request, queryset, services.customer_disable, "Disabled")

    def _run_for_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Customer],
        command: Callable[..., None],
        done: str,
    ) -> None:
        self.run_each(
            request,
            queryset,
            lambda customer: command(customer_id=str(customer.pk)),
            label=lambda customer: customer.name,
            summary=lambda count: f"{done} {plural(count, 'customer')}.",
        )

    # --- register (the "add" page) ---------------------------------------------------------

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied

        def run(data: dict[str, Any]) -> str:
            customer = selectors.customer_get(customer_id=services.customer_register(**data))
            self.message_user(request, f"Registered the customer “{customer.name}”.", messages.SUCCESS)
            return self.admin_url("change", customer.pk)

        return self.command_form(
            request, form_class=RegisterCustomerForm, title="Register customer", submit="Register", run=run
        )

    # --- change the SMS number -------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [
            self.command_url("<path:object_id>/change-sms/", self.change_sms_view, "change_sms"),
            *super().get_urls(),
        ]

    def change_sms_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_change_sms_permission(request):
            raise PermissionDenied
        customer = selectors.customer_find(customer_id=object_id)
        if customer is None:
            self.message_user(request, CustomerNotFound().message, messages.WARNING)
            return redirect(self.admin_url("changelist"))

        def run(data: dict[str, Any]) -> str:
            services.customer_change_sms_number(customer_id=object_id, **data)
            self.message_user(request, f"Changed the SMS number of “{customer.name}”.", messages.SUCCESS)
            return self.admin_url("change", customer.pk)

        return self.command_form(
            request,
            form_class=ChangeSmsNumberForm,
            title="Change SMS number",
            run=run,
            initial={"sms_number": customer.sms_number},
            original=customer,
        )

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {"has_change_sms_permission": self.has_change_sms_permission(request)}

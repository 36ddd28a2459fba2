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
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse

from mallbots.kernel.ddd import DomainError
from mallbots.kernel.web.admin import render_command_form

from . import selectors, services
from .domain import SMS_NUMBER_MAX_LENGTH, CustomerNotFound
from .models import Customer


class RegisterCustomerForm(forms.Form):
    name = forms.CharField()
    sms_number = forms.CharField(label="SMS number", max_length=SMS_NUMBER_MAX_LENGTH)


class ChangeSmsNumberForm(forms.Form):
    sms_number = forms.CharField(label="New SMS number", max_length=SMS_NUMBER_MAX_LENGTH)


def customers_phrase(count: int) -> str:
    return f"{count} customer{'' if count == 1 else 's'}"


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "sms_number", "enabled", "created_at", "updated_at")
    list_filter = ("enabled",)
    search_fields = ("name", "sms_number")
    fields = ("id", "name", "sms_number", "enabled", "version", "created_at", "updated_at")
    readonly_fields = fields
    actions = ("enable_selected", "disable_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return selectors.customer_list()

    # --- permissions: the row is never edited or deleted by hand ---------------------------

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def _has_model_perm(self, request: HttpRequest, action: str) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{action}_{self.opts.model_name}")

    def has_enable_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "change")

    def has_disable_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "change")

    def has_change_sms_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "change")

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
        succeeded = 0
        for customer in queryset:
            try:
                command(customer_id=str(customer.pk))
            except DomainError as error:
                self.message_user(request, f"{customer.name}: {error.message}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done} {customers_phrase(succeeded)}.", messages.SUCCESS)

    # --- register (the "add" page) ---------------------------------------------------------

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RegisterCustomerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                customer_id = services.customer_register(**form.cleaned_data)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                customer = selectors.customer_get(customer_id=customer_id)
                self.message_user(request, f"Registered the customer “{customer.name}”.", messages.SUCCESS)
                return redirect(self._url("change", customer.pk))
        return render_command_form(self, request, form, title="Register customer", submit="Register")

    # --- change the SMS number -------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        change_sms = path(
            "<path:object_id>/change-sms/",
            self.admin_site.admin_view(self.change_sms_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_change_sms",
        )
        return [change_sms, *super().get_urls()]

    def change_sms_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_change_sms_permission(request):
            raise PermissionDenied
        customer = selectors.customer_find(customer_id=object_id)
        if customer is None:
            self.message_user(request, CustomerNotFound().message, messages.WARNING)
            return redirect(self._url("changelist"))
        form = ChangeSmsNumberForm(request.POST or None, initial={"sms_number": customer.sms_number})
        if request.method == "POST" and form.is_valid():
            try:
                services.customer_change_sms_number(customer_id=object_id, **form.cleaned_data)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Changed the SMS number of “{customer.name}”.", messages.SUCCESS)
                return redirect(self._url("change", customer.pk))
        return render_command_form(
            self, request, form, title="Change SMS number", submit="Change SMS number", original=customer
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "has_change_sms_permission": self.has_change_sms_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- helpers -----------------------------------------------------------------------------

    def _url(self, view: str, *args: object) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

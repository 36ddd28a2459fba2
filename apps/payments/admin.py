"""Back office for mall staff. Payments and invoices are never edited as raw rows: their pages
are read-only and every change goes through a service — authorizing a payment (the "add" page of
payments is the authorization form), paying and canceling invoices (changelist actions) and
adjusting a pending invoice's amount (a form linked from the invoice's page). The copies of
orders (with the outcome of each payment confirmation) and the customer cache are shown
read-only. Domain errors come back as error messages."""

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
from .domain import InvoiceNotFound
from .models import CustomerCache, Invoice, OrderCopy, Payment


class AuthorizePaymentForm(forms.Form):
    customer_id = forms.CharField(label="Customer id", max_length=64)
    amount = forms.DecimalField(max_digits=9, decimal_places=2)


class AdjustInvoiceForm(forms.Form):
    amount = forms.DecimalField(label="New amount", max_digits=9, decimal_places=2)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted by hand; commands render the kernel's command form."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def _has_model_perm(self, request: HttpRequest, action: str) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{action}_{self.opts.model_name}")

    def _url(self, view: str, *args: object) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)


# --- Payments ---------------------------------------------------------------------------------


class ConfirmedFilter(admin.SimpleListFilter):
    title = "confirmed for an order"
    parameter_name = "confirmed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Payment]) -> QuerySet[Payment]:
        if self.value() == "yes":
            return queryset.exclude(order_id="")
        if self.value() == "no":
            return queryset.filter(order_id="")
        return queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer_name", "customer_id", "amount", "order_id", "created_at")
    list_filter = (ConfirmedFilter,)
    search_fields = ("=id", "=customer_id", "=order_id")
    search_help_text = "Exact payment, customer or order id."
    fields = (
        "id",
        "customer_id",
        "customer_name",
        "amount",
        "order_id",
        "version",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return selectors.payment_list()

    @admin.display(description="customer")
    def customer_name(self, obj: Payment) -> str:
        return getattr(obj, "customer_name", None) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The "add" page is the authorization form, which calls the service.
        return self._has_model_perm(request, "add")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AuthorizePaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payment_id = services.payment_authorize(**form.cleaned_data)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Authorized the payment {payment_id}.", messages.SUCCESS)
                return redirect(self._url("change", payment_id))
        return render_command_form(self, request, form, title="Authorize payment", submit="Authorize")


# --- Invoices ---------------------------------------------------------------------------------


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("id", "order_id", "payment_id", "amount", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("=id", "=order_id", "=payment_id")
    search_help_text = "Exact invoice, order or payment id."
    fields = ("id", "order_id", "payment_id", "amount", "status", "version", "created_at", "updated_at")
    readonly_fields = fields
    actions = ("pay_selected", "cancel_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return selectors.invoice_list()

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return self._has_model_perm(request, "change")

    @admin.action(description="Pay selected invoices", permissions=["settle"])
    def pay_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._run_for_each(request, queryset, services.invoice_pay, "Paid")

    @admin.action(description="Cancel selected invoices", permissions=["settle"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._run_for_each(request, queryset, services.invoice_cancel, "Canceled")

    def _run_for_each(
        self, request: HttpRequest, queryset: QuerySet[Invoice], command: Callable[..., None], done: str
    ) -> None:
        succeeded = 0
        for invoice_id in queryset.order_by("id").values_list("id", flat=True):
            try:
                command(invoice_id=invoice_id)
            except DomainError as error:
                self.message_user(request, f"Invoice {invoice_id}: {error.message}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done} {_plural(succeeded, 'invoice')}.", messages.SUCCESS)

    # --- adjust the amount -------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        adjust = path(
            "<path:object_id>/adjust/",
            self.admin_site.admin_view(self.adjust_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_adjust",
        )
        return [adjust, *super().get_urls()]

    def adjust_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_settle_permission(request):
            raise PermissionDenied
        invoice = selectors.invoice_find(invoice_id=object_id)
        if invoice is None:
            self.message_user(request, InvoiceNotFound().message, messages.WARNING)
            return redirect(self._url("changelist"))
        form = AdjustInvoiceForm(request.POST or None, initial={"amount": invoice.amount})
        if request.method == "POST" and form.is_valid():
            try:
                services.invoice_adjust(invoice_id=object_id, **form.cleaned_data)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Adjusted the amount of invoice {object_id}.", messages.SUCCESS)
                return redirect(self._url("change", object_id))
        return render_command_form(
            self, request, form, title="Adjust invoice", submit="Adjust", original=invoice
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
            "has_adjust_permission": self.has_settle_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)


# --- Caches -------------------------------------------------------------------------------------


@admin.register(OrderCopy)
class OrderCopyAdmin(ReadOnlyAdmin):
    list_display = (
        "order_id",
        "customer_id",
        "payment_id",
        "total",
        "confirmation",
        "rejected",
        "canceled",
        "created_at",
    )
    list_filter = ("confirmation", "rejected", "canceled")
    search_fields = ("=order_id", "=customer_id", "=payment_id")
    search_help_text = "Exact order, customer or payment id."
    fields = (
        "order_id",
        "customer_id",
        "payment_id",
        "total",
        "confirmation",
        "failure_reason",
        "rejected",
        "canceled",
        "version",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(CustomerCache)
class CustomerCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "updated_at")
    search_fields = ("=id", "name")
    ordering = ("name",)
    fields = ("id", "name", "updated_at")
    readonly_fields = fields

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
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern
from django.utils.safestring import SafeString

from mallbots.kernel.web.admin import (
    CommandAdmin,
    ReadOnlyAdmin,
    change_url,
    name_and_id,
    names_of,
    plural,
    short_id,
)

from . import selectors, services
from .domain import InvoiceNotFound, InvoiceStatus
from .models import CustomerCache, Invoice, OrderCopy, Payment


class AuthorizePaymentForm(forms.Form):
    customer_id = forms.ChoiceField(label="Customer", help_text="The customers payments know of, by name.")
    amount = forms.DecimalField(max_digits=9, decimal_places=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer = self.fields["customer_id"]
        assert isinstance(customer, forms.ChoiceField)
        customer.choices = [
            ("", "Choose a customer"),
            *((c.id, f"{c.name} · {c.id[:8]}") for c in CustomerCache.objects.order_by("name", "id")),
        ]


def customer_link(name: str | None, customer_id: str) -> SafeString:
    return name_and_id(name, customer_id, change_url("customers_customer", customer_id))


def order_link(order_id: str) -> SafeString:
    return short_id(order_id, change_url("ordering_order", order_id))


class AdjustInvoiceForm(forms.Form):
    amount = forms.DecimalField(label="New amount", max_digits=9, decimal_places=2)


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
class PaymentAdmin(CommandAdmin):
    list_display = ("payment", "customer", "amount", "order", "created_at")
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

    @admin.display(description="payment", ordering="id")
    def payment(self, obj: Payment) -> SafeString:
        return short_id(obj.id, self.admin_url("change", obj.id))

    @admin.display(description="customer", ordering="customer_name")
    def customer(self, obj: Payment) -> SafeString:
        return customer_link(getattr(obj, "customer_name", None), obj.customer_id)

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: Payment) -> SafeString:
        return order_link(obj.order_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The "add" page is the authorization form, which calls the service.
        return self.has_model_perm(request, "add")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied

        def run(data: dict[str, Any]) -> str:
            payment_id = services.payment_authorize(**data)
            self.message_user(request, f"Authorized the payment {payment_id}.", messages.SUCCESS)
            return self.admin_url("change", payment_id)

        return self.command_form(
            request, form_class=AuthorizePaymentForm, title="Authorize payment", submit="Authorize", run=run
        )


# --- Invoices ---------------------------------------------------------------------------------


@admin.register(Invoice)
class InvoiceAdmin(CommandAdmin):
    list_display = ("invoice", "order", "payment", "amount", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("=id", "=order_id", "=payment_id")
    search_help_text = "Exact invoice, order or payment id."
    fields = ("id", "order", "payment", "amount", "status", "version", "created_at", "updated_at")
    readonly_fields = fields
    actions = ("pay_selected", "cancel_selected")

    @admin.display(description="invoice", ordering="id")
    def invoice(self, obj: Invoice) -> SafeString:
        return short_id(obj.id, self.admin_url("change", obj.id))

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: Invoice) -> SafeString:
        return order_link(obj.order_id)

    @admin.display(description="payment", ordering="payment_id")
    def payment(self, obj: Invoice) -> SafeString:
        return short_id(obj.payment_id, change_url("payments_payment", obj.payment_id))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return selectors.invoice_list()

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "change")

    @admin.action(description="Pay selected invoices", permissions=["settle"])
    def pay_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._run_for_each(request, queryset, services.invoice_pay, "Paid")

    @admin.action(description="Cancel selected invoices", permissions=["settle"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._run_for_each(request, queryset, services.invoice_cancel, "Canceled")

    def _run_for_each(
        self, request: HttpRequest, queryset: QuerySet[Invoice], command: Callable[..., None], done: str
    ) -> None:
        self.run_each(
            request,
            queryset.order_by("id").values_list("id", "status"),
            lambda row: command(invoice_id=row[0]),
            label=lambda row: f"Invoice {row[0]}",
            summary=lambda count: f"{done} {plural(count, 'invoice')}.",
            why=lambda row: f": it is {row[1]}, and only {InvoiceStatus.PENDING} invoices can be",
            end=".",
        )

    # --- adjust the amount -------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [self.command_url("<path:object_id>/adjust/", self.adjust_view, "adjust"), *super().get_urls()]

    def adjust_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_settle_permission(request):
            raise PermissionDenied
        invoice = selectors.invoice_find(invoice_id=object_id)
        if invoice is None:
            self.message_user(request, InvoiceNotFound().message, messages.WARNING)
            return redirect(self.admin_url("changelist"))

        def run(data: dict[str, Any]) -> str:
            services.invoice_adjust(invoice_id=object_id, **data)
            self.message_user(request, f"Adjusted the amount of invoice {object_id}.", messages.SUCCESS)
            return self.admin_url("change", object_id)

        return self.command_form(
            request,
            form_class=AdjustInvoiceForm,
            title="Adjust invoice",
            submit="Adjust",
            run=run,
            initial={"amount": invoice.amount},
            original=invoice,
        )

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {"has_adjust_permission": self.has_settle_permission(request)}


# --- Caches -------------------------------------------------------------------------------------


@admin.register(OrderCopy)
class OrderCopyAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        "customer",
        "payment",
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

    row_names = (("customer_id", "customer_name", names_of(CustomerCache)),)

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: OrderCopy) -> SafeString:
        return order_link(obj.order_id)

    @admin.display(description="customer", ordering="customer_id")
    def customer(self, obj: OrderCopy) -> SafeString:
        return customer_link(getattr(obj, "customer_name", None), obj.customer_id)

    @admin.display(description="payment", ordering="payment_id")
    def payment(self, obj: OrderCopy) -> SafeString:
        return short_id(obj.payment_id, change_url("payments_payment", obj.payment_id))


@admin.register(CustomerCache)
class CustomerCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "updated_at")
    search_fields = ("=id", "name")
    ordering = ("name",)
    fields = ("id", "name", "updated_at")
    readonly_fields = fields

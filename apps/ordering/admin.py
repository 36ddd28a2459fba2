"""Back office for orders. Orders are event-sourced: their rows here are a read model, never
edited by hand. Staff browse them (found by id or by the customer's name, which ordering asks
the customers context for through its contracts), follow each order's saga as a swimlane and a
table (every event, message and delivery carrying the order id as correlation id) and cancel
orders through the same service the API uses — offered only while the order can be cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.customers import contracts as customers
from apps.depot import contracts as depot
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.ops.timeline import TimelineEntry, correlation_timeline
from mallbots.kernel.sagas.api import find_instance
from mallbots.kernel.web.admin import CommandAdmin, change_url, html_table, name_and_id, plural, short_id
from mallbots.kernel.web.swimlane import clock, elapsed, swimlane

from . import selectors, services
from .domain import CANCELLABLE, SagaMode
from .models import Order
from .saga import CreateOrderSaga

ITEM_HEADERS = ("store", "product", "product id", "price", "quantity", "line total")
CANCELLABLE_TEXT = " and ".join(CANCELLABLE)


class CancelOrderForm(forms.Form):
    """Nothing to fill in: the page says what cancelling does, the button does it."""


@admin.register(Order)
class OrderAdmin(CommandAdmin):
    list_display = ("order", "customer", "status", "total", "item_count", "created_at", "updated_at")
    list_filter = ("status", "saga")
    # Ids are pasted whole: exact matches; a customer's name is asked of the customers context.
    search_fields = ("=id", "=customer_id")
    search_help_text = "Exact order or customer id, or part of the customer's name."
    ordering = ("-created_at",)
    actions = ("cancel_selected",)
    fields = (
        "id",
        "status",
        "rejection_reason",
        "saga_run",
        "customer",
        "payment",
        "shopping_list",
        "bot",
        "invoice",
        "total",
        "version",
        "created_at",
        "updated_at",
        "items_table",
    )
    readonly_fields = fields
    change_form_template = "admin/ordering/order/change_form.html"

    # --- list ---------------------------------------------------------------------------------

    row_names = (("customer_id", "customer_name", customers.customer_names),)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            named = customers.customer_ids_named(term)
            if named:
                found = found | queryset.filter(customer_id__in=named)
        return found, duplicates

    @admin.display(description="order", ordering="id")
    def order(self, obj: Order) -> SafeString:
        return short_id(obj.id, self.admin_url("change", obj.id))

    @admin.display(description="customer", ordering="customer_id")
    def customer(self, obj: Order) -> SafeString:
        name = getattr(obj, "customer_name", None)
        if name is None:  # the change page: one order, one question
            info = customers.get_customer(obj.customer_id)
            name = info.name if info else ""
        return name_and_id(name, obj.customer_id, change_url("customers_customer", obj.customer_id))

    @admin.display(description="items")
    def item_count(self, obj: Order) -> int:
        return sum(line["quantity"] for line in obj.items)

    # --- the order's page ---------------------------------------------------------------------

    @admin.display(description="saga")
    def saga_run(self, obj: Order) -> SafeString:
        """How its create-order saga runs; an orchestrated one links to its saga instance."""
        if obj.saga != SagaMode.ORCHESTRATION:
            return format_html("{}", "choreography: each context reacts to the previous one's event")
        instance = find_instance(CreateOrderSaga.name, obj.id)
        if instance is None:
            return format_html("{}", "orchestration: its saga has not started")
        return format_html(
            'orchestration: <a href="{}">its {} saga</a>, {}',
            change_url("sagas_sagainstance", instance.pk),
            CreateOrderSaga.name,
            instance.status,
        )

    @admin.display(description="payment")
    def payment(self, obj: Order) -> SafeString:
        return short_id(obj.payment_id, change_url("payments_payment", obj.payment_id))

    @admin.display(description="shopping list")
    def shopping_list(self, obj: Order) -> SafeString:
        return short_id(obj.shopping_id, change_url("depot_shoppinglist", obj.shopping_id))

    @admin.display(description="bot")
    def bot(self, obj: Order) -> SafeString:
        names = depot.bot_names([obj.bot_id]) if obj.bot_id else {}
        return name_and_id(names.get(obj.bot_id), obj.bot_id, change_url("depot_bot", obj.bot_id))

    @admin.display(description="invoice")
    def invoice(self, obj: Order) -> SafeString:
        return short_id(obj.invoice_id, change_url("payments_invoice", obj.invoice_id))

    @admin.display(description="items")
    def items_table(self, obj: Order) -> SafeString:
        return html_table(
            ITEM_HEADERS,
            (
                (
                    line["store_name"],
                    line["product_name"],
                    line["product_id"],
                    line["price"],
                    line["quantity"],
                    Decimal(line["price"]) * line["quantity"],
                )
                for line in obj.items
            ),
            footer=("total", obj.total),
        )

    def timeline(self, entries: list[TimelineEntry]) -> SafeString:
        """What happened to the order, in time order, in every context: events stored,
        messages published, and how each handler took them."""
        start = entries[0].at if entries else None
        return html_table(
            ("time (UTC)", "after", "kind", "where", "what", "outcome", "detail"),
            (
                (
                    clock(entry.at),
                    f"+{elapsed((entry.at - start).total_seconds())}" if start else "",
                    entry.kind,
                    entry.where,
                    entry.what,
                    entry.outcome,
                    entry.detail,
                )
                for entry in entries
            ),
            empty="Nothing recorded under this order's id.",
        )

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        """Below the order's fields, the full width of the page: its saga as a swimlane (a lane
        per context, a mark per event, message and delivery), then the same as a table."""
        order = selectors.order_find(order_id=object_id)
        if order is None:
            return {}
        entries = correlation_timeline(order.id)
        return {
            "can_cancel": self.has_cancel_permission(request) and order.status in CANCELLABLE,
            "saga": swimlane(entries),
            "timeline": self.timeline(entries),
        }

    # --- cancel -------------------------------------------------------------------------------

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Cancelling is the API's DELETE: it takes the (otherwise unused) delete permission.
        return request.user.has_perm("ordering.delete_order")

    def get_urls(self) -> list[URLPattern]:
        return [self.command_url("<str:object_id>/cancel/", self.cancel_view, "cancel"), *super().get_urls()]

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "delete_order")
        order: Order = self.load(selectors.order_get, order_id=object_id)

        def run(data: dict[str, Any]) -> str:
            with message_context.use(correlation_id=order.id):
                services.order_cancel(order_id=order.id)
            self.message_user(request, f"Cancelled the order {order.id}.", messages.SUCCESS)
            return self.admin_url("change", order.id)

        intro = [
            f"The order is {order.status}. Cancelling it tells the depot, payments, notifications and "
            "search contexts, which cancel its shopping list, release its payment and tell the "
            "customer. It cannot be undone."
        ]
        if order.status not in CANCELLABLE:
            intro = [f"The order is {order.status}: only {CANCELLABLE_TEXT} orders can be cancelled."]
        return self.command_form(
            request,
            form_class=CancelOrderForm,
            title=f"Cancel the order {order.id}",
            submit="Cancel the order",
            run=run,
            original=order,
            intro=intro,
        )

    @admin.action(description="Cancel selected orders", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def cancel(row: tuple[str, str]) -> None:
            with message_context.use(correlation_id=row[0]):
                services.order_cancel(order_id=row[0])

        self.run_each(
            request,
            queryset.order_by("id").values_list("id", "status"),
            cancel,
            label=lambda row: f"Order {row[0]}",
            summary=lambda count: f"Cancelled {plural(count, 'order')}.",
            why=lambda row: f": it is {row[1]}, and only {CANCELLABLE_TEXT} orders can be",
            end=".",
        )

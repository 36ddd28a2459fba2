"""Back office for orders. Orders are event-sourced: their rows here are a read model, never
edited by hand. Staff browse them, follow each order's saga on its timeline (every event,
message and delivery carrying the order id as correlation id) and cancel orders through the
same service the API uses."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import DomainError
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.ops.timeline import correlation_timeline

from . import services
from .models import Order


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_id", "status", "total", "shopping_id", "created_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches.
    search_fields = ("=id", "=customer_id")
    search_help_text = "Exact order id or customer id."
    ordering = ("-created_at",)
    actions = ("cancel_selected",)
    fields = (
        "id",
        "status",
        "rejection_reason",
        "customer_id",
        "payment_id",
        "shopping_id",
        "bot_id",
        "invoice_id",
        "total",
        "version",
        "created_at",
        "updated_at",
        "items_table",
        "timeline",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="items")
    def items_table(self, obj: Order) -> SafeString:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
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
        )
        return format_html(
            "<table><thead><tr><th>store</th><th>product</th><th>product id</th><th>price</th>"
            "<th>quantity</th><th>line total</th></tr></thead><tbody>{}</tbody>"
            "<tfoot><tr><th colspan='5'>total</th><th>{}</th></tr></tfoot></table>",
            rows,
            obj.total,
        )

    @admin.display(description="timeline")
    def timeline(self, obj: Order) -> SafeString:
        """What happened to the order, in time order, in every context: events stored,
        messages published, and how each handler took them."""
        entries = correlation_timeline(obj.id)
        if not entries:
            return format_html("<p>{}</p>", "Nothing recorded under this order's id.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (entry.at.isoformat(), entry.kind, entry.where, entry.what, entry.outcome, entry.detail)
                for entry in entries
            ),
        )
        return format_html(
            "<table><thead><tr><th>time</th><th>kind</th><th>where</th><th>what</th><th>outcome</th>"
            "<th>detail</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Cancelling is the API's DELETE: it takes the (otherwise unused) delete permission.
        return request.user.has_perm("ordering.delete_order")

    @admin.action(description="Cancel selected orders", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        cancelled = 0
        for order_id in queryset.order_by("id").values_list("id", flat=True):
            try:
                with message_context.use(correlation_id=order_id):
                    services.order_cancel(order_id=order_id)
            except DomainError as error:
                self.message_user(request, f"Order {order_id}: {error.message}.", messages.ERROR)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(request, f"Cancelled {_plural(cancelled, 'order')}.", messages.SUCCESS)

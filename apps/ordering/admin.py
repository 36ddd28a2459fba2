"""Back office for orders. Orders are event-sourced: their rows here are a read model, never
edited by hand. Staff browse them, follow each order's saga on its timeline (every event,
message and delivery carrying the order id as correlation id) and cancel orders through the
same service the API uses."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mallbots.ddd import context as message_context
from mallbots.messaging.timeline import correlation_timeline
from mallbots.web.admin import CommandAdmin, html_table, plural

from . import services
from .models import Order

ITEM_HEADERS = ("store", "product", "product id", "price", "quantity", "line total")


@admin.register(Order)
class OrderAdmin(CommandAdmin):
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

    @admin.display(description="timeline")
    def timeline(self, obj: Order) -> SafeString:
        """What happened to the order, in time order, in every context: events stored,
        messages published, and how each handler took them."""
        entries = correlation_timeline(obj.id)
        if not entries:
            return format_html("<p>{}</p>", "Nothing recorded under this order's id.")
        return html_table(
            ("time", "kind", "where", "what", "outcome", "detail"),
            (
                (entry.at.isoformat(), entry.kind, entry.where, entry.what, entry.outcome, entry.detail)
                for entry in entries
            ),
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Cancelling is the API's DELETE: it takes the (otherwise unused) delete permission.
        return request.user.has_perm("ordering.delete_order")

    @admin.action(description="Cancel selected orders", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def cancel(order_id: str) -> None:
            with message_context.use(correlation_id=order_id):
                services.order_cancel(order_id=order_id)

        self.run_each(
            request,
            queryset.order_by("id").values_list("id", flat=True),
            cancel,
            label=lambda order_id: f"Order {order_id}",
            summary=lambda count: f"Cancelled {plural(count, 'order')}.",
            end=".",
        )

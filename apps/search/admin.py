"""Back office for search. The rows are a read model of the ordering context's events, never
edited by hand: staff browse them, and refresh selected rows from the ordering context when
one looks wrong (the whole table: `manage.py rebuild_search`)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import DomainError
from mallbots.kernel.ddd import context as message_context

from . import services
from .models import CustomerCache, SearchOrder


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SearchOrder)
class SearchOrderAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "customer_name", "customer_id", "status", "total", "created_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches; names: contains.
    search_fields = ("=order_id", "=customer_id", "customer_name")
    search_help_text = "Exact order or customer id, or part of the customer's name."
    ordering = ("-created_at", "-order_id")
    date_hierarchy = "created_at"
    actions = ("refresh_selected",)
    fields = (
        "order_id",
        "customer_id",
        "customer_name",
        "status",
        "total",
        "created_at",
        "updated_at",
        "items_table",
        "store_ids",
        "product_ids",
    )
    readonly_fields = fields

    @admin.display(description="items")
    def items_table(self, obj: SearchOrder) -> SafeString:
        if not obj.items:
            return format_html("<p>{}</p>", "No items.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line["storeName"],
                    line["productName"],
                    line["productId"],
                    line["price"],
                    line["quantity"],
                    Decimal(line["price"]) * line["quantity"],
                )
                for line in obj.items
            ),
        )
        return format_html(
            "<table><thead><tr><th>store</th><th>product</th><th>product id</th><th>price</th>"
            "<th>quantity</th><th>line total</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        # Rewrites rows of the read model (never business data): the otherwise unused change permission.
        return request.user.has_perm("search.change_searchorder")

    @admin.action(description="Refresh selected orders from the ordering context", permissions=["refresh"])
    def refresh_selected(self, request: HttpRequest, queryset: QuerySet[SearchOrder]) -> None:
        outcomes: dict[str, int] = {}
        for order_id in queryset.order_by("order_id").values_list("order_id", flat=True):
            try:
                with message_context.use(correlation_id=order_id):
                    outcome = services.search_order_refresh(order_id=order_id)
            except DomainError as error:
                self.message_user(request, f"Order {order_id}: {error.message}.", messages.ERROR)
            else:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcomes:
            summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
            self.message_user(request, f"Refreshed from the ordering context: {summary}.", messages.SUCCESS)


@admin.register(CustomerCache)
class CustomerCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "updated_at")
    search_fields = ("=id", "name")
    ordering = ("name",)
    fields = ("id", "name", "updated_at")
    readonly_fields = fields

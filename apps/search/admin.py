"""Back office for search. The rows are a read model of the ordering context's events, never
edited by hand: staff browse them, and refresh selected rows from the ordering context when
one looks wrong (the whole table: `manage.py rebuild_search`)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.web.admin import (
    CommandAdmin,
    ReadOnlyAdmin,
    change_url,
    html_table,
    name_and_id,
    short_id,
)

from . import services
from .models import CustomerCache, SearchOrder


@admin.register(SearchOrder)
class SearchOrderAdmin(CommandAdmin):
    list_display = ("order", "customer", "status", "total", "created_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches; names: contains.
    search_fields = ("=order_id", "=customer_id", "customer_name")
    search_help_text = "Exact order or customer id, or part of the customer's name."
    ordering = ("-created_at", "-order_id")
    date_hierarchy = "created_at"
    actions = ("refresh_selected",)
    fields = (
        "order",
        "customer",
        "status",
        "total",
        "created_at",
        "updated_at",
        "items_table",
        "store_ids",
        "product_ids",
    )
    readonly_fields = fields

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: SearchOrder) -> SafeString:
        return short_id(obj.order_id, change_url("ordering_order", obj.order_id))

    @admin.display(description="customer", ordering="customer_name")
    def customer(self, obj: SearchOrder) -> SafeString:
        return name_and_id(
            obj.customer_name, obj.customer_id, change_url("customers_customer", obj.customer_id)
        )

    @admin.display(description="items")
    def items_table(self, obj: SearchOrder) -> SafeString:
        return html_table(
            ("store", "product", "product id", "price", "quantity", "line total"),
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
            empty="No items.",
        )

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        # Rewrites rows of the read model (never business data): the otherwise unused change permission.
        return request.user.has_perm("search.change_searchorder")

    @admin.action(description="Refresh selected orders from the ordering context", permissions=["refresh"])
    def refresh_selected(self, request: HttpRequest, queryset: QuerySet[SearchOrder]) -> None:
        outcomes: Counter[str] = Counter()

        def refresh(order_id: str) -> None:
            with message_context.use(correlation_id=order_id):
                outcomes[services.search_order_refresh(order_id=order_id)] += 1

        self.run_each(
            request,
            queryset.order_by("order_id").values_list("order_id", flat=True),
            refresh,
            label=lambda order_id: f"Order {order_id}",
            end=".",
        )
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

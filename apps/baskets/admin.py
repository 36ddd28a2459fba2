"""Back office for baskets. Baskets are event-sourced: their rows here are a read model, never
edited by hand. Staff browse them (with each basket's event history) and cancel open baskets
through the same service the API uses. The caches of stores data are shown read-only."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from mallbots.eventstore.store import read_stream
from mallbots.web.admin import CommandAdmin, ReadOnlyAdmin, html_table, plural, pretty_json

from . import services
from .domain import Basket as BasketAggregate
from .models import Basket, ProductCache, StoreCache


@admin.register(Basket)
class BasketAdmin(CommandAdmin):
    list_display = ("id", "customer_id", "status", "item_count", "payment_id", "started_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches.
    search_fields = ("=customer_id", "=id")
    search_help_text = "Exact customer id or basket id."
    ordering = ("-updated_at",)
    actions = ("cancel_selected",)
    fields = (
        "id",
        "customer_id",
        "status",
        "payment_id",
        "version",
        "started_at",
        "updated_at",
        "items_table",
        "history",
    )
    readonly_fields = fields

    @admin.display(description="items")
    def item_count(self, obj: Basket) -> int:
        return sum(line["quantity"] for line in obj.items)

    @admin.display(description="items")
    def items_table(self, obj: Basket) -> SafeString:
        return html_table(
            ("store", "product", "product id", "price", "quantity", "line total"),
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
            empty="No items.",
        )

    @admin.display(description="event history")
    def history(self, obj: Basket) -> SafeString:
        events = read_stream(BasketAggregate.stream_type, obj.id)
        return html_table(
            ("version", "type", "time", "data"),
            (
                (event.version, event.event_type, event.occurred_at.isoformat(), pretty_json(event.data))
                for event in events
            ),
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Canceling is the API's DELETE: it takes the (otherwise unused) delete permission.
        return request.user.has_perm("baskets.delete_basket")

    @admin.action(description="Cancel selected baskets", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Basket]) -> None:
        self.run_each(
            request,
            queryset.order_by("id").values_list("id", flat=True),
            lambda basket_id: services.basket_cancel(basket_id=basket_id),
            label=lambda basket_id: f"Basket {basket_id}",
            summary=lambda count: f"Canceled {plural(count, 'basket')}.",
            end=".",
        )


@admin.register(StoreCache)
class StoreCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "location", "updated_at")
    search_fields = ("=id", "name")
    ordering = ("name",)
    fields = ("id", "name", "location", "updated_at")
    readonly_fields = fields


@admin.register(ProductCache)
class ProductCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "store_id", "price", "updated_at")
    search_fields = ("=id", "=store_id", "name")
    ordering = ("name",)
    fields = ("id", "store_id", "name", "price", "updated_at")
    readonly_fields = fields

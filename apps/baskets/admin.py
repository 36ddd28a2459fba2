"""Back office for baskets. Baskets are event-sourced: their rows here are a read model, never
edited by hand. Staff browse them (with each basket's event history) and cancel open baskets
through the same service the API uses. The caches of stores data are shown read-only."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import DomainError
from mallbots.kernel.eventstore.api import read_stream

from . import services
from .domain import Basket as BasketAggregate
from .models import Basket, ProductCache, StoreCache


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@admin.register(Basket)
class BasketAdmin(ReadOnlyAdmin):
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
        if not obj.items:
            return format_html("<p>{}</p>", "No items.")
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
            "<th>quantity</th><th>line total</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="event history")
    def history(self, obj: Basket) -> SafeString:
        events = read_stream(BasketAggregate.stream_type, obj.id)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
            (
                (
                    event.version,
                    event.event_type,
                    event.occurred_at.isoformat(),
                    json.dumps(event.data, indent=2, sort_keys=True, cls=DjangoJSONEncoder),
                )
                for event in events
            ),
        )
        return format_html(
            "<table><thead><tr><th>version</th><th>type</th><th>time</th><th>data</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Canceling is the API's DELETE: it takes the (otherwise unused) delete permission.
        return request.user.has_perm("baskets.delete_basket")

    @admin.action(description="Cancel selected baskets", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Basket]) -> None:
        canceled = 0
        for basket_id in queryset.order_by("id").values_list("id", flat=True):
            try:
                services.basket_cancel(basket_id=basket_id)
            except DomainError as error:
                self.message_user(request, f"Basket {basket_id}: {error.message}.", messages.ERROR)
            else:
                canceled += 1
        if canceled:
            self.message_user(request, f"Canceled {_plural(canceled, 'basket')}.", messages.SUCCESS)


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

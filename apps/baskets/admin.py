"""Back office for baskets. Baskets are event-sourced: their rows here are a read model, never
edited by hand. Staff browse them (with each basket's event history) and cancel open baskets
through the same service the API uses. The caches of stores data are shown read-only."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from apps.customers import contracts as customers
from mallbots.kernel.eventstore.api import read_stream
from mallbots.kernel.web.admin import (
    CommandAdmin,
    ReadOnlyAdmin,
    change_url,
    html_table,
    name_and_id,
    names_of,
    plural,
    pretty_json,
    short_id,
)

from . import services
from .domain import Basket as BasketAggregate
from .domain import BasketStatus
from .models import Basket, ProductCache, StoreCache


@admin.register(Basket)
class BasketAdmin(CommandAdmin):
    list_display = ("basket", "customer", "status", "item_count", "payment", "started_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches.
    search_fields = ("=customer_id", "=id")
    search_help_text = "Exact customer id or basket id."
    ordering = ("-updated_at",)
    actions = ("cancel_selected",)
    fields = (
        "id",
        "customer",
        "status",
        "payment",
        "order",
        "version",
        "started_at",
        "updated_at",
        "items_table",
        "history",
    )
    readonly_fields = fields

    row_names = (("customer_id", "customer_name", customers.customer_names),)

    @admin.display(description="basket", ordering="id")
    def basket(self, obj: Basket) -> SafeString:
        return short_id(obj.id, self.admin_url("change", obj.id))

    @admin.display(description="customer", ordering="customer_id")
    def customer(self, obj: Basket) -> SafeString:
        name = getattr(obj, "customer_name", None)
        if name is None:
            name = customers.customer_names([obj.customer_id]).get(obj.customer_id, "")
        return name_and_id(name, obj.customer_id, change_url("customers_customer", obj.customer_id))

    @admin.display(description="payment", ordering="payment_id")
    def payment(self, obj: Basket) -> SafeString:
        return short_id(obj.payment_id, change_url("payments_payment", obj.payment_id))

    @admin.display(description="order")
    def order(self, obj: Basket) -> SafeString:
        """A checked-out basket became the order of the same id."""
        return short_id(obj.id, change_url("ordering_order", obj.id)) if obj.payment_id else short_id("")

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
            queryset.order_by("id").values_list("id", "status"),
            lambda row: services.basket_cancel(basket_id=row[0]),
            label=lambda row: f"Basket {row[0]}",
            summary=lambda count: f"Canceled {plural(count, 'basket')}.",
            why=lambda row: (
                f": it is {row[1].replace('_', ' ')}, and only {BasketStatus.OPEN} baskets can be"
            ),
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
    list_display = ("product", "name", "store", "price", "updated_at")
    search_fields = ("=id", "=store_id", "name")
    ordering = ("name",)
    fields = ("id", "store_id", "name", "price", "updated_at")
    readonly_fields = fields

    row_names = (("store_id", "store_name", names_of(StoreCache)),)

    @admin.display(description="id", ordering="id")
    def product(self, obj: ProductCache) -> SafeString:
        return short_id(obj.id, self.admin_url("change", obj.id))

    @admin.display(description="store", ordering="store_id")
    def store(self, obj: ProductCache) -> SafeString:
        return name_and_id(
            getattr(obj, "store_name", ""), obj.store_id, change_url("baskets_storecache", obj.store_id)
        )

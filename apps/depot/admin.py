"""Back office for the depot. Shopping lists and bots are never edited as raw rows: every change
goes through a service — assigning a list to an idle bot (a form reached from the list's page
or the "assign" action), completing and canceling lists (actions), creating a bot (the bot's
"add" page is a form calling the service). List commands run under the list's order id as
correlation id. Domain errors come back as error messages. The order copies and the stores
caches are shown read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern
from django.utils.safestring import SafeString

from mallbots.ddd import context as message_context
from mallbots.web.admin import CommandAdmin, ReadOnlyAdmin, html_table, plural

from . import selectors, services
from .models import Bot, OrderCopy, ProductCache, ShoppingList, StoreCache


class AssignForm(forms.Form):
    bot = forms.ChoiceField(label="Idle bot")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bot = self.fields["bot"]
        assert isinstance(bot, forms.ChoiceField)
        bot.choices = [(b.id, b.name) for b in selectors.bot_list_idle()]


class BotCreateForm(forms.Form):
    # Not stripped here: whether a name is blank is the domain's rule, and its message.
    name = forms.CharField(strip=False)


# --- Shopping lists ---------------------------------------------------------------------------


@admin.register(ShoppingList)
class ShoppingListAdmin(CommandAdmin):
    list_display = ("id", "order_id", "status", "assigned_bot_id", "stop_count", "created_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches.
    search_fields = ("=id", "=order_id", "=assigned_bot_id")
    search_help_text = "Exact list, order or bot id."
    ordering = ("-created_at", "id")
    fields = ("id", "order_id", "status", "assigned_bot_id", "version", "created_at", "updated_at", "plan")
    readonly_fields = fields
    actions = ("assign_to_bot", "complete_selected", "cancel_selected")
    change_form_template = "admin/depot/shoppinglist/change_form.html"

    @admin.display(description="stops")
    def stop_count(self, obj: ShoppingList) -> int:
        return len(obj.stops)

    @admin.display(description="stops")
    def plan(self, obj: ShoppingList) -> SafeString:
        return html_table(
            ("store", "location", "product", "product id", "quantity"),
            (
                (
                    stop["store_name"],
                    stop["store_location"],
                    item["product_name"],
                    item["product_id"],
                    item["quantity"],
                )
                for stop in obj.stops
                for item in stop["items"]
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        return [self.command_url("<str:object_id>/assign/", self.assign_view, "assign"), *super().get_urls()]

    def has_run_permission(self, request: HttpRequest) -> bool:
        # Commands on lists are changes: the (otherwise unused) change permission.
        return self.has_model_perm(request, "change")

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {"can_assign": self.has_run_permission(request)}

    # --- actions ---------------------------------------------------------------------------

    @admin.action(description="Assign the selected shopping list to a bot", permissions=["run"])
    def assign_to_bot(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> HttpResponse | None:
        ids = list(queryset.values_list("id", flat=True)[:2])
        if len(ids) != 1:
            self.message_user(request, "Select one shopping list to assign to a bot.", messages.WARNING)
            return None
        return HttpResponseRedirect(self.admin_url("assign", *ids))

    @admin.action(description="Complete the selected shopping lists", permissions=["run"])
    def complete_selected(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> None:
        self._each(request, queryset, services.shopping_list_complete, "Completed")

    @admin.action(description="Cancel the selected shopping lists", permissions=["run"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> None:
        self._each(request, queryset, services.shopping_list_cancel, "Canceled")

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[ShoppingList],
        service: Callable[..., None],
        done: str,
    ) -> None:
        def run(row: tuple[str, str]) -> None:
            list_id, order_id = row
            with message_context.use(correlation_id=order_id):
                service(shopping_list_id=list_id)

        self.run_each(
            request,
            queryset.order_by("created_at", "id").values_list("id", "order_id"),
            run,
            label=lambda row: f"Shopping list {row[0]}",
            summary=lambda count: f"{done} {plural(count, 'shopping list')}.",
            end=".",
        )

    # --- assign form -----------------------------------------------------------------------

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "change_shoppinglist")
        shopping_list = self.load(selectors.shopping_list_get, shopping_list_id=object_id)

        def run(data: dict[str, Any]) -> str:
            with message_context.use(correlation_id=shopping_list.order_id):
                services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=data["bot"])
            bot = selectors.bot_get(bot_id=data["bot"])
            self.message_user(request, f"Assigned the shopping list to {bot.name}.", messages.SUCCESS)
            return self.admin_url("change", shopping_list.id)

        return self.command_form(
            request, form_class=AssignForm, title="Assign to a bot", run=run, original=shopping_list
        )


# --- Bots -------------------------------------------------------------------------------------


@admin.register(Bot)
class BotAdmin(CommandAdmin):
    list_display = ("name", "status", "shopping_list_id", "id", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "=id", "=shopping_list_id")
    search_help_text = "Name, exact bot id or exact shopping list id."
    ordering = ("name", "id")
    fields = ("id", "name", "status", "shopping_list_id", "version", "created_at", "updated_at")
    readonly_fields = fields

    # The row is never edited or deleted by hand; the "add" page creates a bot through the service.

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_model_perm(request, "add")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require(request, "add_bot")

        def run(data: dict[str, Any]) -> str:
            bot = selectors.bot_get(bot_id=services.bot_create(name=data["name"]))
            self.message_user(request, f"Created the bot {bot.name}.", messages.SUCCESS)
            return self.admin_url("change", bot.id)

        return self.command_form(request, form_class=BotCreateForm, title="Create a bot", run=run)


# --- What the depot keeps of other contexts ---------------------------------------------------


@admin.register(OrderCopy)
class OrderCopyAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "status", "item_count", "received_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("=order_id",)
    ordering = ("-received_at",)
    fields = ("order_id", "status", "items", "received_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="items")
    def item_count(self, obj: OrderCopy) -> int:
        return sum(item["quantity"] for item in obj.items)


@admin.register(StoreCache)
class StoreCacheAdmin(ReadOnlyAdmin):
    list_display = ("name", "location", "id", "updated_at")
    search_fields = ("=id", "name")
    ordering = ("name", "id")
    fields = ("id", "name", "location", "updated_at")
    readonly_fields = fields


@admin.register(ProductCache)
class ProductCacheAdmin(ReadOnlyAdmin):
    list_display = ("name", "store_id", "id", "updated_at")
    search_fields = ("=id", "=store_id", "name")
    ordering = ("name", "id")
    fields = ("id", "store_id", "name", "updated_at")
    readonly_fields = fields

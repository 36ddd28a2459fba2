"""Back office for the depot. Shopping lists and bots are never edited as raw rows: every change
goes through a service — assigning a list to an idle bot (a form reached from the list's page
or the "assign" action), completing and canceling lists (actions), creating a bot (the bot's
"add" page is a form calling the service). A command is offered where it applies (assigning an
available list, while a bot is idle), and a refusal says what in the list made it. List
commands run under the list's order id as correlation id. Bots are shown by name, orders and
lists linked. The order copies and the stores caches are shown read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.web.admin import (
    CommandAdmin,
    ReadOnlyAdmin,
    change_url,
    html_table,
    name_and_id,
    names_of,
    plural,
    short_id,
)

from . import selectors, services
from .domain import CANCELABLE, COMPLETABLE, ShoppingListStatus
from .models import Bot, OrderCopy, ProductCache, ShoppingList, StoreCache


def statuses(allowed: frozenset[ShoppingListStatus]) -> str:
    names = [str(status) for status in ShoppingListStatus if status in allowed]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def order_link(order_id: str) -> SafeString:
    return short_id(order_id, change_url("ordering_order", order_id))


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
    list_display = ("shopping_list", "order", "status", "bot", "stop_count", "created_at", "updated_at")
    list_filter = ("status",)
    # Ids are pasted whole: exact matches.
    search_fields = ("=id", "=order_id", "=assigned_bot_id")
    search_help_text = "Exact list, order or bot id."
    ordering = ("-created_at", "id")
    fields = ("id", "order", "status", "bot", "version", "created_at", "updated_at", "plan")
    readonly_fields = fields
    actions = ("assign_to_bot", "complete_selected", "cancel_selected")
    change_form_template = "admin/depot/shoppinglist/change_form.html"

    row_names = (("assigned_bot_id", "bot_name", names_of(Bot)),)

    @admin.display(description="shopping list", ordering="id")
    def shopping_list(self, obj: ShoppingList) -> SafeString:
        return short_id(obj.id, self.admin_url("change", obj.id))

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: ShoppingList) -> SafeString:
        return order_link(obj.order_id)

    @admin.display(description="bot", ordering="assigned_bot_id")
    def bot(self, obj: ShoppingList) -> SafeString:
        name = getattr(obj, "bot_name", None)
        if name is None and obj.assigned_bot_id:
            name = Bot.objects.filter(id=obj.assigned_bot_id).values_list("name", flat=True).first()
        return name_and_id(name, obj.assigned_bot_id, change_url("depot_bot", obj.assigned_bot_id))

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
        shopping_list = ShoppingList.objects.filter(id=object_id).first()
        return {
            "can_assign": self.has_run_permission(request)
            and shopping_list is not None
            and not self._not_assignable(shopping_list)
        }

    def _not_assignable(self, shopping_list: ShoppingList) -> str:
        """Why the list cannot be assigned now, or "" when it can."""
        if shopping_list.status != ShoppingListStatus.AVAILABLE:
            return (
                f"Shopping list {shopping_list.id} is {shopping_list.status}: only an available list "
                "can be assigned to a bot."
            )
        if not selectors.bot_list_idle().exists():
            return "No bot is idle: a bot must finish its shopping list (or be created) first."
        return ""

    # --- actions ---------------------------------------------------------------------------

    @admin.action(description="Assign the selected shopping list to a bot", permissions=["run"])
    def assign_to_bot(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> HttpResponse | None:
        lists = list(queryset[:2])
        if len(lists) != 1:
            self.message_user(request, "Select one shopping list to assign to a bot.", messages.WARNING)
            return None
        why = self._not_assignable(lists[0])
        if why:
            self.message_user(request, why, messages.WARNING)
            return None
        return HttpResponseRedirect(self.admin_url("assign", lists[0].id))

    @admin.action(description="Complete the selected shopping lists", permissions=["run"])
    def complete_selected(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> None:
        self._each(request, queryset, services.shopping_list_complete, "Completed", COMPLETABLE)

    @admin.action(description="Cancel the selected shopping lists", permissions=["run"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> None:
        self._each(request, queryset, services.shopping_list_cancel, "Canceled", CANCELABLE)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[ShoppingList],
        service: Callable[..., None],
        done: str,
        allowed: frozenset[ShoppingListStatus],
    ) -> None:
        def run(row: tuple[str, str, str]) -> None:
            list_id, order_id, _ = row
            with message_context.use(correlation_id=order_id):
                service(shopping_list_id=list_id)

        self.run_each(
            request,
            queryset.order_by("created_at", "id").values_list("id", "order_id", "status"),
            run,
            label=lambda row: f"Shopping list {row[0]}",
            summary=lambda count: f"{done} {plural(count, 'shopping list')}.",
            why=lambda row: f": it is {row[2]}, and only {statuses(allowed)} lists can be",
            end=".",
        )

    # --- assign form -----------------------------------------------------------------------

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "change_shoppinglist")
        shopping_list = self.load(selectors.shopping_list_get, shopping_list_id=object_id)
        why = self._not_assignable(shopping_list)
        if why and request.method != "POST":
            self.message_user(request, why, messages.WARNING)
            return HttpResponseRedirect(self.admin_url("change", shopping_list.id))

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
    list_display = ("name", "status", "shopping_list", "bot", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "=id", "=shopping_list_id")
    search_help_text = "Name, exact bot id or exact shopping list id."
    ordering = ("name", "id")
    fields = ("id", "name", "status", "shopping_list", "version", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="id", ordering="id")
    def bot(self, obj: Bot) -> SafeString:
        return short_id(obj.id)

    @admin.display(description="shopping list", ordering="shopping_list_id")
    def shopping_list(self, obj: Bot) -> SafeString:
        return short_id(obj.shopping_list_id, change_url("depot_shoppinglist", obj.shopping_list_id))

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
    list_display = ("order", "status", "item_count", "received_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("=order_id",)
    ordering = ("-received_at",)
    fields = ("order_id", "status", "items", "received_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: OrderCopy) -> SafeString:
        return order_link(obj.order_id)

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
    list_display = ("name", "store", "product", "updated_at")
    search_fields = ("=id", "=store_id", "name")
    ordering = ("name", "id")
    fields = ("id", "store_id", "name", "updated_at")
    readonly_fields = fields

    row_names = (("store_id", "store_name", names_of(StoreCache)),)

    @admin.display(description="store", ordering="store_id")
    def store(self, obj: ProductCache) -> SafeString:
        return name_and_id(
            getattr(obj, "store_name", ""), obj.store_id, change_url("depot_storecache", obj.store_id)
        )

    @admin.display(description="id", ordering="id")
    def product(self, obj: ProductCache) -> SafeString:
        return short_id(obj.id)

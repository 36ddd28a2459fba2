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
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from mallbots.kernel.ddd import DomainError, NotFound
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.web.admin import render_command_form

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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- Shopping lists ---------------------------------------------------------------------------


@admin.register(ShoppingList)
class ShoppingListAdmin(ReadOnlyAdmin):
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
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
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
        return format_html(
            "<table><thead><tr><th>store</th><th>location</th><th>product</th><th>product id</th>"
            "<th>quantity</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def get_urls(self) -> list[URLPattern]:
        assign = path(
            "<str:object_id>/assign/",
            self.admin_site.admin_view(self.assign_view),
            name="depot_shoppinglist_assign",
        )
        return [assign, *super().get_urls()]

    def has_run_permission(self, request: HttpRequest) -> bool:
        # Commands on lists are changes: the (otherwise unused) change permission.
        return request.user.has_perm("depot.change_shoppinglist")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {"can_assign": self.has_run_permission(request), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    # --- actions ---------------------------------------------------------------------------

    @admin.action(description="Assign the selected shopping list to a bot", permissions=["run"])
    def assign_to_bot(self, request: HttpRequest, queryset: QuerySet[ShoppingList]) -> HttpResponse | None:
        ids = list(queryset.values_list("id", flat=True)[:2])
        if len(ids) != 1:
            self.message_user(request, "Select one shopping list to assign to a bot.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:depot_shoppinglist_assign", args=ids))

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
        succeeded = 0
        for list_id, order_id in queryset.order_by("created_at", "id").values_list("id", "order_id"):
            try:
                with message_context.use(correlation_id=order_id):
                    service(shopping_list_id=list_id)
            except DomainError as error:
                self.message_user(request, f"Shopping list {list_id}: {error.message}.", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done} {_plural(succeeded, 'shopping list')}.", messages.SUCCESS)

    # --- assign form -----------------------------------------------------------------------

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_run_permission(request):
            raise PermissionDenied
        try:
            shopping_list = selectors.shopping_list_get(shopping_list_id=object_id)
        except NotFound as error:
            raise Http404(error.message)
        form = AssignForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            bot_id = form.cleaned_data["bot"]
            try:
                with message_context.use(correlation_id=shopping_list.order_id):
                    services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot_id)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                bot = selectors.bot_get(bot_id=bot_id)
                self.message_user(request, f"Assigned the shopping list to {bot.name}.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:depot_shoppinglist_change", args=[shopping_list.id])
                )
        return render_command_form(self, request, form, title="Assign to a bot", original=shopping_list)


# --- Bots -------------------------------------------------------------------------------------


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "shopping_list_id", "id", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "=id", "=shopping_list_id")
    search_help_text = "Name, exact bot id or exact shopping list id."
    ordering = ("name", "id")
    fields = ("id", "name", "status", "shopping_list_id", "version", "created_at", "updated_at")
    readonly_fields = fields

    # The row is never edited or deleted by hand; the "add" page creates a bot through the service.

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BotCreateForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                bot_id = services.bot_create(name=form.cleaned_data["name"])
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                bot = selectors.bot_get(bot_id=bot_id)
                self.message_user(request, f"Created the bot {bot.name}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:depot_bot_change", args=[bot_id]))
        return render_command_form(self, request, form, title="Create a bot")


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

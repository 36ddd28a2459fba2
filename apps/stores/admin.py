"""Back office for mall staff. Stores and products are event-sourced: their rows here are read
models, never edited by hand. Every change goes through a service: the participation actions,
and small forms (create a store, rebrand it, add a product to it; rebrand a product, change its
price, remove it). Domain errors come back as error messages."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.safestring import SafeString

from mallbots.kernel.web.admin import CommandAdmin, name_and_id, short_id

from . import selectors, services
from .models import Product, Store

# --- Forms ----------------------------------------------------------------------------------


# Text is not stripped here: whether a name is blank is the domain's rule, and its message.


class StoreCreateForm(forms.Form):
    name = forms.CharField(strip=False)
    location = forms.CharField(strip=False, help_text="Where the store is in the mall.")


class StoreRebrandForm(forms.Form):
    name = forms.CharField(strip=False)


class ProductAddForm(forms.Form):
    name = forms.CharField(strip=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sku = forms.CharField(label="SKU", required=False)
    price = forms.DecimalField(max_digits=9, decimal_places=2)


class ProductRebrandForm(forms.Form):
    name = forms.CharField(strip=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProductPriceForm(forms.Form):
    price = forms.DecimalField(
        label="New price",
        max_digits=9,
        decimal_places=2,
        help_text="Higher than the current price is an increase, lower a decrease.",
    )


# --- Stores ---------------------------------------------------------------------------------


@admin.register(Store)
class StoreAdmin(CommandAdmin):
    list_display = ("name", "location", "participating", "store")
    list_filter = ("participating",)
    search_fields = ("name", "location", "=id")
    search_help_text = "Name, location or exact id."
    ordering = ("name", "id")
    fields = ("id", "name", "location", "participating")
    readonly_fields = fields
    actions = ("enable_participation", "disable_participation")
    change_list_template = "admin/stores/store/change_list.html"
    change_form_template = "admin/stores/store/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            self.command_url("create/", self.create_view, "create"),
            self.command_url("<str:object_id>/rebrand/", self.rebrand_view, "rebrand"),
            self.command_url("<str:object_id>/add-product/", self.add_product_view, "add_product"),
            *super().get_urls(),
        ]

    def has_participation_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("stores.change_store")

    @admin.action(description="Enable participation of the selected stores", permissions=["participation"])
    def enable_participation(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        self._each(request, queryset, services.store_enable_participation, "now participates")

    @admin.action(description="Disable participation of the selected stores", permissions=["participation"])
    def disable_participation(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        self._each(request, queryset, services.store_disable_participation, "no longer participates")

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Store], service: Callable[..., None], done: str
    ) -> None:
        self.run_each(
            request,
            queryset.order_by("name", "id"),
            lambda store: service(store_id=store.id),
            label=lambda store: store.name,
            done=lambda store: f"{store.name} {done}.",
        )

    @admin.display(description="id", ordering="id")
    def store(self, obj: Store) -> SafeString:
        return short_id(obj.id)

    def changelist_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"can_create_store": request.user.has_perm("stores.add_store")}

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {
            "can_rebrand": request.user.has_perm("stores.change_store"),
            "can_add_product": request.user.has_perm("stores.add_product"),
            "catalog_url": f"{self.admin_url('changelist', model='product')}?store_id={object_id}",
        }

    def create_view(self, request: HttpRequest) -> HttpResponse:
        self.require(request, "add_store")

        def run(data: dict[str, Any]) -> str:
            store_id = services.store_create(name=data["name"], location=data["location"])
            self.message_user(request, f"Created the store {data['name']}.", messages.SUCCESS)
            return self.change_url("store", store_id)

        return self.command_form(request, form_class=StoreCreateForm, title="Create a store", run=run)

    def rebrand_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "change_store")
        store: Store = self.load(selectors.store_get, store_id=object_id)

        def run(data: dict[str, Any]) -> str:
            services.store_rebrand(store_id=store.id, name=data["name"])
            self.message_user(request, f"Renamed {store.name} to {data['name']}.", messages.SUCCESS)
            return self.change_url("store", store.id)

        return self.command_form(
            request,
            form_class=StoreRebrandForm,
            title=f"Rebrand {store.name}",
            run=run,
            initial={"name": store.name},
            original=store,
        )

    def add_product_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "add_product")
        store: Store = self.load(selectors.store_get, store_id=object_id)

        def run(data: dict[str, Any]) -> str:
            product_id = services.product_add(store_id=store.id, **data)
            self.message_user(request, f"Added {data['name']} to {store.name}.", messages.SUCCESS)
            return self.change_url("product", product_id)

        return self.command_form(
            request,
            form_class=ProductAddForm,
            title=f"Add a product to {store.name}",
            run=run,
            original=store,
        )


# --- Products -------------------------------------------------------------------------------


class StoreFilter(admin.SimpleListFilter):
    title = "store"
    parameter_name = "store_id"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(selectors.store_list_all().values_list("id", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.value():
            return queryset.filter(store_id=self.value())
        return queryset


@admin.register(Product)
class ProductAdmin(CommandAdmin):
    list_display = ("name", "store", "sku", "price", "product")
    list_filter = (StoreFilter,)
    search_fields = ("name", "sku", "=id", "=store_id")
    search_help_text = "Name, SKU, exact product id or exact store id."
    ordering = ("name", "id")
    fields = ("id", "store_id", "store_name", "name", "description", "sku", "price")
    readonly_fields = fields
    actions = ("remove_products",)
    change_form_template = "admin/stores/product/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        # The store's name in the same query: no query per row.
        names = Store.objects.filter(id=OuterRef("store_id")).values("name")[:1]
        products: QuerySet[Product] = super().get_queryset(request)
        return products.annotate(store_name=Subquery(names))

    @admin.display(description="store", ordering="store_name")
    def store_name(self, obj: Product) -> str:
        return getattr(obj, "store_name", None) or "-"

    @admin.display(description="store", ordering="store_name")
    def store(self, obj: Product) -> SafeString:
        return name_and_id(
            getattr(obj, "store_name", None), obj.store_id, self.change_url("store", obj.store_id)
        )

    @admin.display(description="id", ordering="id")
    def product(self, obj: Product) -> SafeString:
        return short_id(obj.id)

    def get_urls(self) -> list[URLPattern]:
        return [
            self.command_url("<str:object_id>/rebrand/", self.rebrand_view, "rebrand"),
            self.command_url("<str:object_id>/change-price/", self.change_price_view, "change_price"),
            *super().get_urls(),
        ]

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("stores.delete_product")

    @admin.action(description="Remove the selected products", permissions=["remove"])
    def remove_products(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self.run_each(
            request,
            queryset.order_by("name", "id"),
            lambda product: services.product_remove(product_id=product.id),
            label=lambda product: product.name,
            done=lambda product: f"Removed {product.name}.",
        )

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {"can_change_product": request.user.has_perm("stores.change_product")}

    def rebrand_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "change_product")
        product: Product = self.load(selectors.product_get, product_id=object_id)

        def run(data: dict[str, Any]) -> str:
            services.product_rebrand(
                product_id=product.id, name=data["name"], description=data["description"]
            )
            self.message_user(request, f"Rebranded {product.name} as {data['name']}.", messages.SUCCESS)
            return self.change_url("product", product.id)

        return self.command_form(
            request,
            form_class=ProductRebrandForm,
            title=f"Rebrand {product.name}",
            run=run,
            initial={"name": product.name, "description": product.description},
            original=product,
        )

    def change_price_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        self.require(request, "change_product")
        product: Product = self.load(selectors.product_get, product_id=object_id)

        def run(data: dict[str, Any]) -> str:
            price: Decimal = data["price"]
            # The original has two commands; staff give the new price and we pick the one that fits.
            if price >= product.price:
                services.product_increase_price(product_id=product.id, price=price)
            else:
                services.product_decrease_price(product_id=product.id, price=price)
            self.message_user(
                request, f"{product.name} now costs {price} (was {product.price}).", messages.SUCCESS
            )
            return self.change_url("product", product.id)

        return self.command_form(
            request,
            form_class=ProductPriceForm,
            title=f"Change the price of {product.name} (now {product.price})",
            run=run,
            initial={"price": product.price},
            original=product,
        )

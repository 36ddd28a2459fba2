"""Paths of the original, under /api/ (see mallbots/urls.py). Literal segments come before
parameters where they compete: "stores/participating" and "stores/products/<id>" are matched
before "stores/<id>"."""

from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

urlpatterns = [
    path("stores", views.StoresApi.as_view(), name="stores"),
    path("stores/participating", views.StoreParticipatingListApi.as_view(), name="stores-participating"),
    path("stores/products/<uuid_str:id>", views.ProductApi.as_view(), name="stores-product"),
    path(
        "stores/products/<uuid_str:id>/rebrand",
        views.ProductRebrandApi.as_view(),
        name="stores-product-rebrand",
    ),
    path(
        "stores/products/<uuid_str:id>/increasePrice",
        views.ProductIncreasePriceApi.as_view(),
        name="stores-product-increase-price",
    ),
    path(
        "stores/products/<uuid_str:id>/decreasePrice",
        views.ProductDecreasePriceApi.as_view(),
        name="stores-product-decrease-price",
    ),
    path("stores/<uuid_str:id>", views.StoreDetailApi.as_view(), name="stores-store"),
    path("stores/<uuid_str:id>/rebrand", views.StoreRebrandApi.as_view(), name="stores-store-rebrand"),
    path(
        "stores/<uuid_str:id>/participating",
        views.StoreParticipationApi.as_view(),
        name="stores-participation",
    ),
    path("stores/<uuid_str:storeId>/products", views.StoreProductsApi.as_view(), name="stores-catalog"),
]

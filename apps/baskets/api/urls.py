from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

urlpatterns = [
    path("baskets", views.BasketStartApi.as_view(), name="baskets-start"),
    path("baskets/<uuid_str:id>", views.BasketApi.as_view(), name="baskets-basket"),
    path("baskets/<uuid_str:id>/checkout", views.BasketCheckoutApi.as_view(), name="baskets-checkout"),
    path("baskets/<uuid_str:id>/addItem", views.BasketAddItemApi.as_view(), name="baskets-add-item"),
    path("baskets/<uuid_str:id>/removeItem", views.BasketRemoveItemApi.as_view(), name="baskets-remove-item"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("baskets", views.BasketStartApi.as_view(), name="baskets-start"),
    path("baskets/<str:id>", views.BasketApi.as_view(), name="baskets-basket"),
    path("baskets/<str:id>/checkout", views.BasketCheckoutApi.as_view(), name="baskets-checkout"),
    path("baskets/<str:id>/addItem", views.BasketAddItemApi.as_view(), name="baskets-add-item"),
    path("baskets/<str:id>/removeItem", views.BasketRemoveItemApi.as_view(), name="baskets-remove-item"),
]

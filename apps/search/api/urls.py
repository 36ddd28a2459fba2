from django.urls import path

from . import views

urlpatterns = [
    path("search/orders", views.SearchOrdersApi.as_view(), name="search-orders"),
    path("search/orders/<str:id>", views.SearchOrderApi.as_view(), name="search-order"),
]

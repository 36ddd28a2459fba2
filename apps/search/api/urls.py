from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

urlpatterns = [
    path("search/orders", views.SearchOrdersApi.as_view(), name="search-orders"),
    path("search/orders/<uuid_str:id>", views.SearchOrderApi.as_view(), name="search-order"),
]

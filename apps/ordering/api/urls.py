from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

urlpatterns = [
    path("ordering", views.OrderCreateApi.as_view(), name="ordering-create"),
    path("ordering/<uuid_str:id>", views.OrderApi.as_view(), name="ordering-order"),
]

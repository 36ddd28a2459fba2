from django.urls import path

from . import views

urlpatterns = [
    path("ordering", views.OrderCreateApi.as_view(), name="ordering-create"),
    path("ordering/<str:id>", views.OrderApi.as_view(), name="ordering-order"),
]

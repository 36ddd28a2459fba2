"""Paths of the original, under /api/ (see mallbots/urls.py), plus reading lists and bots."""

from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

urlpatterns = [
    path("depot/shopping", views.ShoppingListsApi.as_view(), name="depot-shopping-lists"),
    path("depot/shopping/<uuid_str:id>", views.ShoppingListApi.as_view(), name="depot-shopping-list"),
    path(
        "depot/shopping/<uuid_str:id>/assign",
        views.ShoppingListAssignApi.as_view(),
        name="depot-shopping-assign",
    ),
    path(
        "depot/shopping/<uuid_str:id>/complete",
        views.ShoppingListCompleteApi.as_view(),
        name="depot-shopping-complete",
    ),
    path("depot/bots", views.BotsApi.as_view(), name="depot-bots"),
]

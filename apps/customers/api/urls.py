from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

urlpatterns = [
    path("customers", views.RegisterCustomerApi.as_view(), name="customers-register"),
    path("customers/<uuid_str:id>", views.GetCustomerApi.as_view(), name="customers-get"),
    path(
        "customers/<uuid_str:id>/change-sms", views.ChangeSmsNumberApi.as_view(), name="customers-change-sms"
    ),
    path("customers/<uuid_str:id>/enable", views.EnableCustomerApi.as_view(), name="customers-enable"),
    path("customers/<uuid_str:id>/disable", views.DisableCustomerApi.as_view(), name="customers-disable"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("customers", views.RegisterCustomerApi.as_view(), name="customers-register"),
    path("customers/<str:id>", views.GetCustomerApi.as_view(), name="customers-get"),
    path("customers/<str:id>/change-sms", views.ChangeSmsNumberApi.as_view(), name="customers-change-sms"),
    path("customers/<str:id>/enable", views.EnableCustomerApi.as_view(), name="customers-enable"),
    path("customers/<str:id>/disable", views.DisableCustomerApi.as_view(), name="customers-disable"),
]

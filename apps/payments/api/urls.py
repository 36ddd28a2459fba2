from django.urls import path

from mallbots.kernel.web import converters  # noqa: F401 - registers <uuid_str:...>

from . import views

# "payments/invoices/..." before "payments/<id>", which would otherwise take "invoices" for an id.
urlpatterns = [
    path("payments", views.AuthorizePaymentApi.as_view(), name="payments-authorize"),
    path("payments/invoices/<uuid_str:id>", views.GetInvoiceApi.as_view(), name="payments-invoice"),
    path("payments/invoices/<uuid_str:id>/pay", views.PayInvoiceApi.as_view(), name="payments-invoice-pay"),
    path("payments/<uuid_str:id>", views.GetPaymentApi.as_view(), name="payments-payment"),
]

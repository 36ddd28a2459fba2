from django.urls import path

from mallbots.urls import urlpatterns as project_urlpatterns

from . import api

urlpatterns = [
    *project_urlpatterns,
    path("api/kerneltest/ledgers", api.LedgerOpenApi.as_view()),
    path("api/kerneltest/ledgers/<str:ledger_id>/credit", api.LedgerCreditApi.as_view()),
    path("api/kerneltest/ledgers/<str:ledger_id>/close", api.LedgerCloseApi.as_view()),
    path("api/kerneltest/crash", api.CrashApi.as_view()),
]

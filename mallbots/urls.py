from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from mallbots.backoffice import views as backoffice_views
from mallbots.kernel.messaging import views as messaging_views
from mallbots.kernel.ops import health, metrics
from mallbots.kernel.web import docs

urlpatterns = [
    path("", backoffice_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("health/progress", health.progress_view, name="health-progress"),
    path("metrics", metrics.metrics, name="prometheus-metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", docs.swagger_ui, name="swagger-ui"),
    path("api/redoc/", docs.redoc, name="redoc"),
    path("api/events/", messaging_views.events_page, name="asyncapi-page"),
    path("api/events/asyncapi.json", messaging_views.asyncapi_json, name="asyncapi-json"),
    # Each context's urls spell out their full paths under /api/ ("stores/<id>/rebrand", ...):
    # the original has no trailing slashes, and Django frowns on routes that begin with one.
    path("api/", include("apps.stores.api.urls")),
    path("api/", include("apps.customers.api.urls")),
    path("api/", include("apps.baskets.api.urls")),
    path("api/", include("apps.ordering.api.urls")),
    path("api/", include("apps.payments.api.urls")),
    path("api/", include("apps.depot.api.urls")),
    path("api/", include("apps.search.api.urls")),
]

# Under /api/ errors answer the API's JSON body (an unknown path too); errors raised outside any
# view (a middleware reading the session during a database outage) still answer 503.
handler404 = "mallbots.kernel.web.error_pages.not_found"
handler500 = "mallbots.kernel.web.error_pages.server_error"

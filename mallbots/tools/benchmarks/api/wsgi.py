"""The benchmark's WSGI application: the project's, with the bare view routed beside the API."""

from __future__ import annotations

from django.conf import settings
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
settings.ROOT_URLCONF = "mallbots.tools.benchmarks.api.bare"  # read at the first request

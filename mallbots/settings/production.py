"""Production settings: secrets only from the environment, hardened HTTP."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, LOGGING, MIDDLEWARE, TOOL_APPS, env

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks and the Prometheus scraper speak plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# gunicorn serves the static files itself (no web server in the image): WhiteNoise right after
# the security middleware, with compressed files whose names carry a hash, cached forever.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per log line (python-json-logger), carrying the correlation id, causation id
# and actor of the work in progress and, in a worker handling a delivery, its message id and
# handler: what a log search needs to follow one order or one message across processes.
LOGGING = {
    **LOGGING,
    "filters": {"context": {"()": "mallbots.kernel.messaging.logcontext.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]}},
}

if env.bool("MALLBOTS_TOOLS", default=False):  # seed_mall, busywork, benchmark on a deployment
    INSTALLED_APPS = [*INSTALLED_APPS, *TOOL_APPS]

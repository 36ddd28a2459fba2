"""Settings shared by every environment. Everything comes from the environment (12-factor),
read through django-environ, with defaults that are safe for development only."""

from pathlib import Path

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-mallbots-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "mallbots.backoffice",  # before admin: its admin/index.html (the staff dashboard) wins
    "mallbots.backoffice.apps.MallAdminConfig",  # django.contrib.admin with the mall's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI and ReDoc served from our static files: the API docs work without internet.
    "drf_spectacular_sidecar",
    "mallbots.kernel.web",
    "mallbots.kernel.eventstore",
    "mallbots.kernel.messaging",
    "mallbots.kernel.sagas",
    # Bounded contexts
    "apps.stores",
    "apps.customers",
    "apps.baskets",
    "apps.ordering",
    "apps.payments",
    "apps.depot",
    "apps.notifications",
    "apps.search",
]

# The tools (demo data and load, benchmarks) stand on the whole mall and are no part of a
# deployment: development and tests install them, production only with MALLBOTS_TOOLS=1 (then
# migrate with it too: they keep tables of their own).
TOOL_APPS = ["mallbots.tools.simulator", "mallbots.tools.benchmarks"]

MIDDLEWARE = [
    # HTTP metrics of /metrics: the first and the last middleware time the whole request.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mallbots.kernel.web.middleware.CorrelationMiddleware",
    # A database outage answers 503 with Retry-After, in the API and the admin (mallbots/kernel/web/outage.py).
    "mallbots.kernel.web.outage.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "mallbots.urls"
# What a 503 during a database outage asks clients to wait before retrying (Retry-After).
WEB_RETRY_AFTER_SECONDS = env.int("WEB_RETRY_AFTER_SECONDS", default=5)
WSGI_APPLICATION = "mallbots.wsgi.application"
ASGI_APPLICATION = "mallbots.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# One database. Persistent connections: opening a PostgreSQL connection costs several times
# more than a whole simple request. Services own their transactions, so no ATOMIC_REQUESTS.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/mallbots")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# django-prometheus's wrapper of Django's PostgreSQL backend (psycopg 3): query and error
# counts and connection metrics on /metrics.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / ".staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mallbots.kernel.web.authentication.TokenAuthentication",
        "mallbots.kernel.web.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "mallbots.kernel.web.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mallbots.kernel.web.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "MallBots API",
    "DESCRIPTION": (
        "Shopping mall where customers order from many stores in one basket and bots collect the "
        "items.\n\nEvery operation needs a token (`Authorization: Token <key>`) of a user whose "
        'groups hold the operation\'s permission. Errors answer `{"code", "message", "details"}` '
        "(the `Error` component). Fields are typed strictly (a number is not a string), numbers and "
        "texts have the ranges and lengths shown, ids are UUIDs; unknown fields in a body are "
        "ignored, as the original's gateway did."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the online validator: nothing leaves the machine.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Ids in paths are UUIDs (mallbots/kernel/web/converters.py).
    "PATH_CONVERTER_OVERRIDES": {"uuid_str": {"type": "string", "format": "uuid"}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mallbots.kernel.web.schema.add_error_responses",
    ],
}

# --- Messaging: Celery over Redis -------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

# One queue per bounded context, plus the kernel's own queue for the relay and sweeps.
# Workers pick queues with `-Q`; a worker started without it consumes all of them.
MESSAGING_CONTEXT_QUEUES = [
    "stores",
    "customers",
    "baskets",
    "ordering",
    "payments",
    "depot",
    "notifications",
    "search",
]
MESSAGING_KERNEL_QUEUE = "messaging"
# "inline": the committing process relays its own outbox rows right after commit (lowest
# latency); "task": it asks a worker to do it; "off": only the periodic sweep relays.
MESSAGING_RELAY_ON_COMMIT = env("MESSAGING_RELAY_ON_COMMIT", default="inline")
MESSAGING_RELAY_BATCH = env.int("MESSAGING_RELAY_BATCH", default=500)
# A log line per delivery with where its time went, by phase (mallbots/kernel/messaging/profile.py);
# `benchmark saga --profile` turns it on in its workers.
MESSAGING_PROFILE = env.bool("MESSAGING_PROFILE", default=False)
MESSAGING_SWEEP_SECONDS = env.float("MESSAGING_SWEEP_SECONDS", default=1.0)
# Transient failures: exponential backoff with full jitter, capped, then a dead letter.
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=6)
MESSAGING_RETRY_BASE_SECONDS = env.float("MESSAGING_RETRY_BASE_SECONDS", default=0.5)
MESSAGING_RETRY_MAX_SECONDS = env.float("MESSAGING_RETRY_MAX_SECONDS", default=60.0)
# Reconciliation: a delivery handed to the broker and not handled this long after is sent
# again (once it is no longer in its queue). Recovery from a broker that lost its data or a
# killed worker takes about this plus one sweep; keep it far below every saga step timeout.
MESSAGING_REDELIVER_AFTER_SECONDS = env.float("MESSAGING_REDELIVER_AFTER_SECONDS", default=10.0)
# A held message makes its missing predecessor due this long after that one was last sent.
MESSAGING_HELD_NUDGE_SECONDS = env.float("MESSAGING_HELD_NUDGE_SECONDS", default=2.0)
# Retention of the streams (one per producing context): "limits" (max age in hours, max
# messages, max payload bytes; 0 = no such limit) or "interest" (until every subscriber has
# handled it). MESSAGING_STREAMS overrides it per stream, e.g. '{"search": {"policy": "interest"}}'.
MESSAGING_STREAM_RETENTION = {
    "policy": env("MESSAGING_STREAM_RETENTION", default="limits"),
    "max_age_hours": env.float("MESSAGING_STREAM_MAX_AGE_HOURS", default=24 * 7),
    "max_messages": env.int("MESSAGING_STREAM_MAX_MESSAGES", default=0),
    "max_bytes": env.int("MESSAGING_STREAM_MAX_BYTES", default=0),
}
MESSAGING_STREAMS = env.json("MESSAGING_STREAMS", default={})
# Publish-side dedup: a message id published again within this window is stored once.
MESSAGING_DEDUP_WINDOW_SECONDS = env.float("MESSAGING_DEDUP_WINDOW_SECONDS", default=120.0)
# A handled delivery (the subscriber's inbox entry) is kept at least this long, with its message.
MESSAGING_INBOX_RETENTION_HOURS = env.float("MESSAGING_INBOX_RETENTION_HOURS", default=24.0)
# Progress (/health/progress, the dashboard): stuck when the oldest message not appended yet
# is older than this, a delivery is not handled this long after publishing, a message is held
# this long, or dead letters exceed the limit.
MESSAGING_MAX_OUTBOX_LAG_SECONDS = env.float("MESSAGING_MAX_OUTBOX_LAG_SECONDS", default=60.0)
MESSAGING_MAX_UNDELIVERED_SECONDS = env.float("MESSAGING_MAX_UNDELIVERED_SECONDS", default=60.0)
MESSAGING_MAX_HELD_SECONDS = env.float("MESSAGING_MAX_HELD_SECONDS", default=60.0)
MESSAGING_MAX_DEAD_LETTERS = env.int("MESSAGING_MAX_DEAD_LETTERS", default=0)

# --- Sagas -------------------------------------------------------------------------------
# How the create-order saga runs: "choreography" (each participant reacts to the previous
# one's event) or "orchestration" (ordering's coordinator sends commands and handles replies).
# An order ends in the mode it started in.
MALLBOTS_SAGA = env("MALLBOTS_SAGA", default="choreography")
# An orchestrated step whose reply does not come within this fails its saga (which then
# compensates); keep it far above the messaging kernel's recovery time.
SAGA_STEP_TIMEOUT_SECONDS = env.float("SAGA_STEP_TIMEOUT_SECONDS", default=120.0)

# --- Event store -------------------------------------------------------------------------
# Snapshot every N events per aggregate type ("default" for the rest).
EVENTSTORE_SNAPSHOT_EVERY = {"default": env.int("EVENTSTORE_SNAPSHOT_EVERY", default=50)}
# A command that loses an optimistic-concurrency race is retried this many times in all.
EVENTSTORE_CONFLICT_ATTEMPTS = env.int("EVENTSTORE_CONFLICT_ATTEMPTS", default=3)
# Commands on one aggregate wait their turn (a per-stream lock taken before loading) for at
# most this long, then answer 409; 0 turns the wait off (optimistic concurrency alone).
EVENTSTORE_STREAM_WAIT_SECONDS = env.float("EVENTSTORE_STREAM_WAIT_SECONDS", default=10.0)

# --- Bounded contexts ---------------------------------------------------------------------
# Create-order saga step timeout: an order still pending after this is rejected.
ORDERING_PENDING_TIMEOUT_SECONDS = env.int("ORDERING_PENDING_TIMEOUT_SECONDS", default=300)
# Where SMS go: a class with send(number, text) (console by default; tests use memory).
NOTIFICATIONS_SMS_SENDER = env("NOTIFICATIONS_SMS_SENDER", default="apps.notifications.senders.ConsoleSender")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# At least once on Redis: acknowledge after the task ran, give the message back when the
# worker process dies, hold only the task being run.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = MESSAGING_KERNEL_QUEUE


def celery_queues(names: list[str]) -> list[Queue]:
    """Declared explicitly so that a worker started without -Q consumes every queue."""
    return [Queue(name, routing_key=name) for name in [MESSAGING_KERNEL_QUEUE, *names]]


CELERY_TASK_QUEUES = celery_queues(MESSAGING_CONTEXT_QUEUES)
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=10.0)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection around every task unless this is set,
# which costs a new PostgreSQL session per delivery (most of a saga step's time). Keep
# connections; mallbots/celery.py applies Django's own CONN_MAX_AGE instead (and turns the
# health check per task off: a delivery that finds its session ended runs again on a new one).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The visibility timeout must stay above the slowest handler: a message unacknowledged that
# long goes back to its queue. Recovery from a killed worker does not wait for it: the
# reconciliation sweep sends what the worker held again (MESSAGING_REDELIVER_AFTER_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "unacked_restore_interval": env.float("CELERY_UNACKED_RESTORE_INTERVAL", default=5.0),
    "unacked_restore_throttle": 1,
    # A worker killed while it restored unacknowledged messages leaves this lock behind; the
    # restores of the others wait for it to expire (kombu's default: 300 s).
    "unacked_mutex_expire": env.int("CELERY_UNACKED_MUTEX_EXPIRE", default=30),
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_BEAT_SCHEDULE = {
    "messaging-relay-sweep": {
        "task": "messaging.relay_sweep",
        "schedule": MESSAGING_SWEEP_SECONDS,
        "options": {"expires": 10},
    },
    "messaging-reconcile": {
        "task": "messaging.reconcile",
        "schedule": MESSAGING_SWEEP_SECONDS,
        "options": {"expires": 10},
    },
    "messaging-catch-up": {
        "task": "messaging.catch_up",
        "schedule": 2.0,
        "options": {"expires": 10},
    },
    "sagas-time-out": {
        "task": "sagas.time_out",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    "ordering-reject-stale-orders": {
        "task": "ordering.reject_stale_orders",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    "messaging-purge": {
        "task": "messaging.purge",
        "schedule": 3600.0,
        "options": {"expires": 600},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Every task received/succeeded, twice a second for the sweeps, drowns what matters;
        # the messaging kernel logs each handled delivery itself.
        "celery.app.trace": {"level": env("CELERY_TASK_LOG_LEVEL", default="WARNING")},
        "celery.worker.strategy": {"level": env("CELERY_TASK_LOG_LEVEL", default="WARNING")},
        "celery.beat": {"level": env("CELERY_TASK_LOG_LEVEL", default="WARNING")},
    },
}

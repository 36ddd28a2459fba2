"""Settings for the test suite: the development settings plus a small test-only bounded
context (tests/kernelapp) that exercises the kernel, and fast recovery timings so crash
tests finish in seconds."""

from urllib.parse import urlsplit, urlunsplit

from .dev import *  # noqa: F403
from .dev import (
    CELERY_BEAT_SCHEDULE,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    INSTALLED_APPS,
    MESSAGING_CONTEXT_QUEUES,
    REDIS_URL,
    celery_queues,
    env,
)


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


INSTALLED_APPS = [*INSTALLED_APPS, "tests.kernelapp"]
MESSAGING_CONTEXT_QUEUES = [*MESSAGING_CONTEXT_QUEUES, "kerneltest"]
CELERY_TASK_QUEUES = celery_queues(MESSAGING_CONTEXT_QUEUES)

# The suite flushes its broker database, so it never uses the application's own: database 15
# of REDIS_URL's server unless TEST_REDIS_URL says otherwise.
CELERY_BROKER_URL = env("TEST_REDIS_URL", default=_redis_db(REDIS_URL, 15))

# Fast retries and recovery, so failure and crash tests take seconds.
MESSAGING_RETRY_BASE_SECONDS = 0.05
MESSAGING_RETRY_MAX_SECONDS = 0.5
MESSAGING_MAX_ATTEMPTS = 3
MESSAGING_SWEEP_SECONDS = 0.5
# A lost delivery is sent again 2 s after it was sent (and a held message's predecessor after
# half a second), so the broker-loss and crash tests recover in seconds.
MESSAGING_REDELIVER_AFTER_SECONDS = 2.0
MESSAGING_HELD_NUDGE_SECONDS = 0.5
# Sweeps every half second, the stale-order check every second (the purge stays hourly).
CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": MESSAGING_SWEEP_SECONDS if name.startswith("messaging-") else 1.0}
    if entry["schedule"] < 60
    else entry
    for name, entry in CELERY_BEAT_SCHEDULE.items()
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 4,
    "unacked_restore_interval": 0.5,
    "unacked_mutex_expire": 2,
}
NOTIFICATIONS_SMS_SENDER = "apps.notifications.senders.MemorySender"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

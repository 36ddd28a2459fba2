"""Settings for the test suite: the development settings plus a small test-only bounded
context (tests/kernelapp) that exercises the kernel, and fast recovery timings so crash
tests finish in seconds."""

from .dev import *  # noqa: F403
from .dev import (
    CELERY_BROKER_TRANSPORT_OPTIONS,
    INSTALLED_APPS,
    MESSAGING_CONTEXT_QUEUES,
    celery_queues,
)

INSTALLED_APPS = [*INSTALLED_APPS, "tests.kernelapp"]
MESSAGING_CONTEXT_QUEUES = [*MESSAGING_CONTEXT_QUEUES, "kerneltest"]
CELERY_TASK_QUEUES = celery_queues(MESSAGING_CONTEXT_QUEUES)
MESSAGING_RETRY_BASE_SECONDS = 0.05
MESSAGING_RETRY_MAX_SECONDS = 0.5
MESSAGING_MAX_ATTEMPTS = 3
MESSAGING_SWEEP_SECONDS = 0.5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 4,
    "unacked_restore_interval": 0.5,
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

"""The Celery application: `celery -A mallbots worker` consumes every queue, `-Q <context>`
only that context's. Queues, routing and reliability settings live in settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallbots.settings.dev")

app = Celery("mallbots")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every installed app's tasks module: the messaging kernel's and the contexts' own periodic jobs.
app.autodiscover_tasks()

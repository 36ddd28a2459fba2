"""The Celery application: `celery -A mallbots worker` consumes every queue, `-Q <context>`
only that context's. Queues, routing and reliability settings live in settings (CELERY_*)."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_ready

from mallbots.kernel.messaging import transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallbots.settings.dev")

app = Celery("mallbots")
app.config_from_object("django.conf:settings", namespace="CELERY")
# A worker that loses the broker while holding messages must reconnect, not die.
transport.survive_channel_close_after_connection_loss()
# kombu builds a Redis client per message put and per acknowledgement; a channel keeps one.
transport.reuse_channel_client()
# Every installed app's tasks module: the messaging kernel's and the contexts' own periodic jobs.
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs: Any) -> None:
    # What Django does around each request: drop connections past CONN_MAX_AGE or broken.
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def _no_health_check_per_task(**kwargs: Any) -> None:
    # Django checks a kept connection (a SELECT 1) before its first query after every
    # close_old_connections, so once per task. A delivery that meets a broken connection runs
    # again at once on a new one (messaging/consumer.py), and the periodic tasks run again at
    # their next beat: workers need no check per task. Pool processes inherit this.
    from django.db import connections

    for conn in connections.all():
        conn.settings_dict["CONN_HEALTH_CHECKS"] = False
        conn.close()  # one opened at start-up reconnects with the setting


@worker_ready.connect
def _serve_metrics(**kwargs: Any) -> None:
    # A worker on a host of its own has no web process to read its metrics files: with
    # CELERY_METRICS_PORT set it serves them itself (see "Observability" in the README).
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        from mallbots.kernel.messaging.metrics import serve_process_metrics

        serve_process_metrics(int(port))

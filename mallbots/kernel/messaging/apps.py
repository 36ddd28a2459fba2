from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class MessagingConfig(AppConfig):
    name = "mallbots.kernel.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import before_task_publish

        from mallbots.kernel import uow

        from . import publish, tracing, transport

        tracing.configure()  # only when the environment asks for it (see tracing.py)
        before_task_publish.connect(transport.stamp_sent_at, dispatch_uid="mallbots.kernel.messaging.sent_at")
        # After every migrate (and the flush tests do): record the code's subscribers.
        post_migrate.connect(
            _record_subscribers, sender=self, dispatch_uid="mallbots.kernel.messaging.subscribers"
        )
        # A transaction whose messages go to one stream appends them before it commits.
        uow.before_commit(publish.append_before_commit)
        checks.register(_check_settings, checks.Tags.compatibility)


def _record_subscribers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from . import subscribers

    if (
        "messaging_subscriber" in connections[using].introspection.table_names()
    ):  # not after `migrate messaging zero`
        subscribers.sync(retire=True)


def _check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import retention

    return [checks.Error(problem, id="messaging.E001") for problem in retention.check_settings()]

from typing import Any

from django.apps import AppConfig
from django.core import checks


class SagasConfig(AppConfig):
    name = "mallbots.kernel.sagas"
    label = "sagas"
    verbose_name = "Sagas"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (beat runs sagas.time_out by name)

        checks.register(_check_timeouts)


def _check_timeouts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .engine import timeout_problems

    return [checks.Warning(problem, id="sagas.W001") for problem in timeout_problems()]

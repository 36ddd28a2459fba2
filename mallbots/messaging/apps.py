from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mallbots.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tracing

        tracing.configure()  # only when the environment asks for it (see tracing.py)

from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "apps.stores"
    label = "stores"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mallbots.eventstore.api import register_projection

        # Importing signals connects its integration-event receivers.
        from . import signals

        register_projection(signals.StoreProjection())
        register_projection(signals.ProductProjection())

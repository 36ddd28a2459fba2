from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "apps.stores"
    label = "stores"
    default_auto_field = "django.db.models.BigAutoField"
    # Store managers run stores and products; kiosks show the catalog (see mallbots.kernel.web.groups).
    group_permissions = {
        "store-managers": [
            f"{a}_{m}" for m in ("store", "product") for a in ("add", "change", "delete", "view")
        ],
        "kiosk": ["view_store", "view_product"],
    }

    def ready(self) -> None:
        from mallbots.kernel.eventstore.api import register_projection

        # Importing signals connects its integration-event receivers.
        from . import signals

        register_projection(signals.StoreProjection())
        register_projection(signals.ProductProjection())

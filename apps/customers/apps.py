from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    default_auto_field = "django.db.models.BigAutoField"
    group_permissions = {"kiosk": ["add_customer", "change_customer", "view_customer"]}

    def ready(self) -> None:
        # Connects the receivers that publish the integration events. The customers context
        # consumes no integration event, so it subscribes to nothing.
        from . import signals  # noqa: F401

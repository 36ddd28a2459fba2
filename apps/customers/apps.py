from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    default_auto_field = "django.db.models.BigAutoField"
    group_permissions = {"kiosk": ["add_customer", "change_customer", "view_customer"]}

    def ready(self) -> None:
        from apps.ordering import contracts as ordering
        from mallbots.kernel.messaging.api import handle_commands, subscribe_handlers

        # Importing signals connects the receivers that publish the integration events.
        from . import contracts, handlers, signals  # noqa: F401

        subscribe_handlers(handlers, queue="customers", events={
            "on_ordering_order_created": ordering.OrderCreated,
        })  # fmt: skip
        handle_commands(handlers, queue="customers", commands={
            "authorize_customer": contracts.AuthorizeCustomer,
        })  # fmt: skip

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.customers import contracts as customers
        from apps.ordering import contracts as ordering
        from mallbots.kernel.messaging.api import subscribe_handlers

        from . import handlers

        # Handler names are stable: the inbox and dead letters are keyed by them. One order
        # group per partition-key kind: a customer's events update the cache in publication
        # order; an order's SMS go out in the order of its life (the rejection never before
        # the creation), whichever handler each event goes to.
        subscribe_handlers(handlers, queue="notifications", order_group="notifications.customers", events={
            "on_customers_customer_registered": customers.CustomerRegistered,
            "on_customers_customer_sms_changed": customers.CustomerSmsChanged,
        })  # fmt: skip
        subscribe_handlers(handlers, queue="notifications", order_group="notifications.orders", events={
            "on_ordering_order_created": ordering.OrderCreated,
            "on_ordering_order_rejected": ordering.OrderRejected,
            "on_ordering_order_canceled": ordering.OrderCanceled,
            "on_ordering_order_readied": ordering.OrderReadied,
            "on_ordering_order_completed": ordering.OrderCompleted,
        })  # fmt: skip

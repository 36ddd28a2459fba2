from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.customers import contracts as customers
        from apps.ordering import contracts as ordering
        from mallbots.kernel.messaging.api import Envelope, IntegrationEvent, subscribe

        from . import handlers

        # Handler names are stable: the inbox and dead letters are keyed by them. One order
        # group per partition-key kind: a customer's events update the cache in publication
        # order; an order's SMS go out in the order of its life (the rejection never before
        # the creation), whichever handler each event goes to.
        Handler = Callable[[Any, Envelope], None]
        groups: dict[str, list[tuple[str, type[IntegrationEvent], Handler]]] = {
            "notifications.customers": [
                (
                    "notifications.on_customers_customer_registered",
                    customers.CustomerRegistered,
                    handlers.on_customers_customer_registered,
                ),
                (
                    "notifications.on_customers_customer_sms_changed",
                    customers.CustomerSmsChanged,
                    handlers.on_customers_customer_sms_changed,
                ),
            ],
            "notifications.orders": [
                (
                    "notifications.on_ordering_order_created",
                    ordering.OrderCreated,
                    handlers.on_ordering_order_created,
                ),
                (
                    "notifications.on_ordering_order_rejected",
                    ordering.OrderRejected,
                    handlers.on_ordering_order_rejected,
                ),
                (
                    "notifications.on_ordering_order_canceled",
                    ordering.OrderCanceled,
                    handlers.on_ordering_order_canceled,
                ),
                (
                    "notifications.on_ordering_order_readied",
                    ordering.OrderReadied,
                    handlers.on_ordering_order_readied,
                ),
                (
                    "notifications.on_ordering_order_completed",
                    ordering.OrderCompleted,
                    handlers.on_ordering_order_completed,
                ),
            ],
        }
        for group, subscriptions in groups.items():
            for name, event_type, handler in subscriptions:
                subscribe(event_type, handler, name=name, queue="notifications", order_group=group)

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"
    # The kiosk authorizes payments and pays invoices; staff may do everything.
    group_permissions = {"kiosk": ["add_payment", "view_payment", "change_invoice", "view_invoice"]}

    def ready(self) -> None:
        from apps.customers import contracts as customers
        from apps.depot import contracts as depot
        from apps.ordering import contracts as ordering
        from mallbots.kernel.messaging.api import Envelope, IntegrationEvent, subscribe

        # Importing signals connects the receivers that publish the integration events.
        from . import handlers, signals  # noqa: F401

        # Handler names are stable: the inbox and dead letters are keyed by them.
        subscribe(
            customers.CustomerRegistered,
            handlers.on_customers_customer_registered,
            name="payments.on_customers_customer_registered",
            queue="payments",
            order_group="payments.customers",
        )
        # One order's messages, whichever handler each goes to, in publication order: the copy
        # of the order exists before its payment is confirmed, and a rejection or cancellation
        # is seen in its place among them (before it: nothing to confirm; after: released).
        Handler = Callable[[Any, Envelope], None]
        about_orders: list[tuple[str, type[IntegrationEvent], Handler]] = [
            ("payments.on_ordering_order_created", ordering.OrderCreated, handlers.on_ordering_order_created),
            (
                "payments.on_depot_shopping_list_created",
                depot.ShoppingListCreated,
                handlers.on_depot_shopping_list_created,
            ),
            (
                "payments.on_ordering_order_readied",
                ordering.OrderReadied,
                handlers.on_ordering_order_readied,
            ),
            (
                "payments.on_ordering_order_rejected",
                ordering.OrderRejected,
                handlers.on_ordering_order_rejected,
            ),
            (
                "payments.on_ordering_order_canceled",
                ordering.OrderCanceled,
                handlers.on_ordering_order_canceled,
            ),
        ]
        for name, event_type, handler in about_orders:
            subscribe(event_type, handler, name=name, queue="payments", order_group="payments.orders")

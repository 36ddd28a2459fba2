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
        from mallbots.kernel.messaging.api import handle_commands, subscribe_handlers

        # Importing signals connects the receivers that publish the integration events.
        from . import contracts, handlers, signals  # noqa: F401

        # Handler names are stable: the inbox and dead letters are keyed by them.
        subscribe_handlers(handlers, queue="payments", order_group="payments.customers", events={
            "on_customers_customer_registered": customers.CustomerRegistered,
        })  # fmt: skip
        # One order's messages, whichever handler each goes to, in publication order: the copy
        # of the order exists before its payment is confirmed, and a rejection or cancellation
        # is seen in its place among them (before it: nothing to confirm; after: released).
        subscribe_handlers(handlers, queue="payments", order_group="payments.orders", events={
            "on_ordering_order_created": ordering.OrderCreated,
            "on_depot_shopping_list_created": depot.ShoppingListCreated,
            "on_ordering_order_readied": ordering.OrderReadied,
            "on_ordering_order_rejected": ordering.OrderRejected,
            "on_ordering_order_canceled": ordering.OrderCanceled,
        })  # fmt: skip
        handle_commands(handlers, queue="payments", order_group="payments.orders", commands={
            "confirm_payment": contracts.ConfirmPayment,
            "release_payment": contracts.ReleasePayment,
        })  # fmt: skip

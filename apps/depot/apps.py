from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


class DepotConfig(AppConfig):
    name = "apps.depot"
    label = "depot"
    verbose_name = "Depot"
    default_auto_field = "django.db.models.BigAutoField"
    # Depot operators run shopping lists and bots (see mallbots.kernel.web.groups).
    group_permissions = {
        "depot-operators": [
            f"{action}_{model}" for model in ("shoppinglist", "bot") for action in ("add", "change", "view")
        ],
    }

    def ready(self) -> None:
        from apps.customers import contracts as customers
        from apps.ordering import contracts as ordering
        from apps.payments import contracts as payments
        from apps.stores import contracts as stores
        from mallbots.kernel.messaging.api import Envelope, IntegrationEvent, subscribe

        # Importing signals connects the receivers that publish the integration events.
        from . import handlers, signals  # noqa: F401

        # Handler names are stable (docs/saga.md): the inbox and dead letters are keyed by them. One order group
        # per partition key: an order's messages (keyed by order id, whoever published them) are
        # handled in publication order, so CustomerAuthorized waits for OrderCreated; likewise
        # one store's and one product's events.
        Handler = Callable[[Any, Envelope], None]
        subscriptions: dict[str, list[tuple[str, type[IntegrationEvent], Handler]]] = {
            "depot.orders": [
                (
                    "depot.on_ordering_order_created",
                    ordering.OrderCreated,
                    handlers.on_ordering_order_created,
                ),
                (
                    "depot.on_customers_customer_authorized",
                    customers.CustomerAuthorized,
                    handlers.on_customers_customer_authorized,
                ),
                (
                    "depot.on_payments_payment_confirmed",
                    payments.PaymentConfirmed,
                    handlers.on_payments_payment_confirmed,
                ),
                (
                    "depot.on_ordering_order_rejected",
                    ordering.OrderRejected,
                    handlers.on_ordering_order_rejected,
                ),
                (
                    "depot.on_ordering_order_canceled",
                    ordering.OrderCanceled,
                    handlers.on_ordering_order_canceled,
                ),
            ],
            "depot.stores": [
                ("depot.on_stores_store_created", stores.StoreCreated, handlers.on_stores_store_created),
                (
                    "depot.on_stores_store_rebranded",
                    stores.StoreRebranded,
                    handlers.on_stores_store_rebranded,
                ),
            ],
            "depot.products": [
                ("depot.on_stores_product_added", stores.ProductAdded, handlers.on_stores_product_added),
                (
                    "depot.on_stores_product_rebranded",
                    stores.ProductRebranded,
                    handlers.on_stores_product_rebranded,
                ),
                (
                    "depot.on_stores_product_removed",
                    stores.ProductRemoved,
                    handlers.on_stores_product_removed,
                ),
            ],
        }
        for group, triples in subscriptions.items():
            for name, event_type, handler in triples:
                subscribe(event_type, handler, name=name, queue="depot", order_group=group)

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
        from mallbots.kernel.messaging.api import handle_commands, subscribe_handlers

        # Importing signals connects the receivers that publish the integration events.
        from . import contracts, handlers, signals  # noqa: F401

        # Handler names are stable (docs/saga.md): the inbox and dead letters are keyed by them. One
        # order group per partition key: an order's messages (keyed by order id, whoever published
        # them) are handled in publication order, so CustomerAuthorized waits for OrderCreated;
        # likewise one store's and one product's events.
        subscribe_handlers(handlers, queue="depot", order_group="depot.orders", events={
            "on_ordering_order_created": ordering.OrderCreated,
            "on_customers_customer_authorized": customers.CustomerAuthorized,
            "on_payments_payment_confirmed": payments.PaymentConfirmed,
            "on_ordering_order_rejected": ordering.OrderRejected,
            "on_ordering_order_canceled": ordering.OrderCanceled,
        })  # fmt: skip
        # The orchestrated saga's commands in the same group: after the order's copy, in their
        # place among a cancellation's messages.
        handle_commands(handlers, queue="depot", order_group="depot.orders", commands={
            "create_shopping_list": contracts.CreateShoppingList,
            "initiate_shopping": contracts.InitiateShopping,
            "cancel_shopping_list": contracts.CancelShoppingList,
        })  # fmt: skip
        subscribe_handlers(handlers, queue="depot", order_group="depot.stores", events={
            "on_stores_store_created": stores.StoreCreated,
            "on_stores_store_rebranded": stores.StoreRebranded,
        })  # fmt: skip
        subscribe_handlers(handlers, queue="depot", order_group="depot.products", events={
            "on_stores_product_added": stores.ProductAdded,
            "on_stores_product_rebranded": stores.ProductRebranded,
            "on_stores_product_removed": stores.ProductRemoved,
        })  # fmt: skip

from django.apps import AppConfig


class BasketsConfig(AppConfig):
    name = "apps.baskets"
    label = "baskets"
    verbose_name = "Baskets"
    default_auto_field = "django.db.models.BigAutoField"
    group_permissions = {"kiosk": ["add_basket", "change_basket", "delete_basket", "view_basket"]}

    def ready(self) -> None:
        from apps.ordering import contracts as ordering
        from apps.stores import contracts as stores
        from mallbots.kernel.eventstore.api import register_projection
        from mallbots.kernel.messaging.api import subscribe_handlers

        from . import handlers, signals

        register_projection(signals.BasketProjection())
        # Handler names are stable: the inbox and dead letters are keyed by them. Each cache's
        # handlers form one order group, so a store's or a product's events are handled in the
        # order the stores context published them, whichever handler each one goes to.
        subscribe_handlers(handlers, queue="baskets", order_group="baskets.store_cache", events={
            "on_stores_store_created": stores.StoreCreated,
            "on_stores_store_rebranded": stores.StoreRebranded,
        })  # fmt: skip
        subscribe_handlers(handlers, queue="baskets", order_group="baskets.product_cache", events={
            "on_stores_product_added": stores.ProductAdded,
            "on_stores_product_rebranded": stores.ProductRebranded,
            "on_stores_product_price_increased": stores.ProductPriceIncreased,
            "on_stores_product_price_decreased": stores.ProductPriceDecreased,
            "on_stores_product_removed": stores.ProductRemoved,
        })  # fmt: skip
        subscribe_handlers(handlers, queue="baskets", events={
            "on_ordering_order_rejected": ordering.OrderRejected,
        })  # fmt: skip

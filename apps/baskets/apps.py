from collections.abc import Callable
from typing import Any

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
        from mallbots.kernel.messaging.api import Envelope, IntegrationEvent, subscribe

        from . import handlers, signals

        register_projection(signals.BasketProjection())
        # Handler names are stable: the inbox and dead letters are keyed by them. Each cache's
        # handlers form one order group, so a store's or a product's events are handled in the
        # order the stores context published them, whichever handler each one goes to.
        Handler = Callable[[Any, Envelope], None]
        groups: dict[str, list[tuple[str, type[IntegrationEvent], Handler]]] = {
            "baskets.store_cache": [
                ("baskets.on_stores_store_created", stores.StoreCreated, handlers.on_stores_store_created),
                (
                    "baskets.on_stores_store_rebranded",
                    stores.StoreRebranded,
                    handlers.on_stores_store_rebranded,
                ),
            ],
            "baskets.product_cache": [
                ("baskets.on_stores_product_added", stores.ProductAdded, handlers.on_stores_product_added),
                (
                    "baskets.on_stores_product_rebranded",
                    stores.ProductRebranded,
                    handlers.on_stores_product_rebranded,
                ),
                (
                    "baskets.on_stores_product_price_increased",
                    stores.ProductPriceIncreased,
                    handlers.on_stores_product_price_increased,
                ),
                (
                    "baskets.on_stores_product_price_decreased",
                    stores.ProductPriceDecreased,
                    handlers.on_stores_product_price_decreased,
                ),
                (
                    "baskets.on_stores_product_removed",
                    stores.ProductRemoved,
                    handlers.on_stores_product_removed,
                ),
            ],
        }
        for group, subscriptions in groups.items():
            for name, event_type, handler in subscriptions:
                subscribe(event_type, handler, name=name, queue="baskets", order_group=group)
        subscribe(
            ordering.OrderRejected,
            handlers.on_ordering_order_rejected,
            name="baskets.on_ordering_order_rejected",
            queue="baskets",
        )

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
        from apps.stores import contracts as stores
        from mallbots.eventstore.api import register_projection
        from mallbots.messaging.api import Envelope, IntegrationEvent, subscribe

        from . import handlers, signals

        register_projection(signals.BasketProjection())
        # Handler names are stable: the inbox and dead letters are keyed by them.
        subscriptions: list[tuple[str, type[IntegrationEvent], Callable[[Any, Envelope], None]]] = [
            ("baskets.on_stores_store_created", stores.StoreCreated, handlers.on_stores_store_created),
            ("baskets.on_stores_store_rebranded", stores.StoreRebranded, handlers.on_stores_store_rebranded),
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
            ("baskets.on_stores_product_removed", stores.ProductRemoved, handlers.on_stores_product_removed),
        ]
        for name, event_type, handler in subscriptions:
            # Ordered per store / product id: each handler sees one aggregate's events in order.
            subscribe(event_type, handler, name=name, queue="baskets", ordered=True)

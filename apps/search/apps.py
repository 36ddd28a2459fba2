from collections.abc import Callable
from typing import Any

from django.apps import AppConfig

# One subscriber of each of search's order groups: `rebuild_search` replays them (with their
# groups) from the streams.
SUBSCRIBERS = ("search.on_ordering_order_created", "search.on_customers_customer_registered")


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"
    # Searching is reading orders: the kiosk may (see mallbots.kernel.web.groups); staff may do all.
    group_permissions = {"kiosk": ["view_searchorder"]}

    def ready(self) -> None:
        from apps.customers import contracts as customers
        from apps.ordering import contracts as ordering
        from mallbots.kernel.messaging.api import Envelope, IntegrationEvent, subscribe

        from . import handlers

        # Handler names are stable: the inbox and dead letters are keyed by them. One order's
        # events reach the handlers of "search.orders" one at a time, in publication order.
        Handler = Callable[[Any, Envelope], None]
        groups: dict[str, list[tuple[str, type[IntegrationEvent], Handler]]] = {
            "search.orders": [
                (
                    "search.on_ordering_order_created",
                    ordering.OrderCreated,
                    handlers.on_ordering_order_created,
                ),
                (
                    "search.on_ordering_order_approved",
                    ordering.OrderApproved,
                    handlers.on_ordering_order_approved,
                ),
                (
                    "search.on_ordering_order_rejected",
                    ordering.OrderRejected,
                    handlers.on_ordering_order_rejected,
                ),
                (
                    "search.on_ordering_order_in_progress",
                    ordering.OrderInProgress,
                    handlers.on_ordering_order_in_progress,
                ),
                (
                    "search.on_ordering_order_readied",
                    ordering.OrderReadied,
                    handlers.on_ordering_order_readied,
                ),
                (
                    "search.on_ordering_order_canceled",
                    ordering.OrderCanceled,
                    handlers.on_ordering_order_canceled,
                ),
                (
                    "search.on_ordering_order_completed",
                    ordering.OrderCompleted,
                    handlers.on_ordering_order_completed,
                ),
            ],
            "search.customers": [
                (
                    "search.on_customers_customer_registered",
                    customers.CustomerRegistered,
                    handlers.on_customers_customer_registered,
                ),
            ],
        }
        for group, subscriptions in groups.items():
            for name, event_type, handler in subscriptions:
                subscribe(event_type, handler, name=name, queue="search", order_group=group)

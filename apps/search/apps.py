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
        from mallbots.kernel.messaging.api import subscribe_handlers

        from . import handlers

        # Handler names are stable: the inbox and dead letters are keyed by them. One order's
        # events reach the handlers of "search.orders" one at a time, in publication order.
        subscribe_handlers(handlers, queue="search", order_group="search.orders", events={
            "on_ordering_order_created": ordering.OrderCreated,
            "on_ordering_order_approved": ordering.OrderApproved,
            "on_ordering_order_rejected": ordering.OrderRejected,
            "on_ordering_order_in_progress": ordering.OrderInProgress,
            "on_ordering_order_readied": ordering.OrderReadied,
            "on_ordering_order_canceled": ordering.OrderCanceled,
            "on_ordering_order_completed": ordering.OrderCompleted,
        })  # fmt: skip
        subscribe_handlers(handlers, queue="search", order_group="search.customers", events={
            "on_customers_customer_registered": customers.CustomerRegistered,
        })  # fmt: skip

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

# The saga's step timeout against the messaging kernel's recovery time: a delivery the broker
# lost is sent again within recovery_seconds(); six steps may each be hit once.
SAGA_STEPS = 6
TIMEOUT_MARGIN = 10


def check_pending_timeout(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from mallbots.kernel.messaging.api import recovery_seconds

    floor = TIMEOUT_MARGIN * recovery_seconds()
    if floor <= settings.ORDERING_PENDING_TIMEOUT_SECONDS:
        return []
    return [
        checks.Warning(
            f"ORDERING_PENDING_TIMEOUT_SECONDS={settings.ORDERING_PENDING_TIMEOUT_SECONDS} is less than "
            f"{TIMEOUT_MARGIN} times the messaging kernel's recovery time ({recovery_seconds():g} s): after a "
            "broker fault, valid orders could be rejected as not approved in time.",
            hint=f"Keep it at {floor:g} s or more, or lower MESSAGING_REDELIVER_AFTER_SECONDS.",
            id="ordering.W001",
        )
    ]


def check_saga_mode(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .domain import SagaMode

    modes = [mode.value for mode in SagaMode]
    if settings.MALLBOTS_SAGA in modes:
        return []
    return [
        checks.Error(
            f"MALLBOTS_SAGA={settings.MALLBOTS_SAGA!r} is not a way to run the create-order saga.",
            hint=f"Set it to one of {', '.join(modes)} (docs/saga.md).",
            id="ordering.E001",
        )
    ]


class OrderingConfig(AppConfig):
    name = "apps.ordering"
    label = "ordering"
    verbose_name = "Ordering"
    default_auto_field = "django.db.models.BigAutoField"
    # Kiosks read orders and may cancel their customer's order; creating an order outside a
    # checkout (add_order) is for staff (see mallbots.kernel.web.groups).
    group_permissions = {"kiosk": ["view_order", "delete_order"]}

    def ready(self) -> None:
        checks.register(check_pending_timeout)
        checks.register(check_saga_mode)
        from apps.baskets import contracts as baskets
        from apps.customers import contracts as customers
        from apps.depot import contracts as depot
        from apps.payments import contracts as payments
        from mallbots.kernel.eventstore.api import register_projection
        from mallbots.kernel.messaging.api import subscribe_handlers

        # Importing signals connects the receivers that publish the integration events; importing
        # tasks registers the stale-order sweep with Celery (beat schedules it by name).
        from . import handlers, signals, tasks  # noqa: F401
        from .saga import CreateOrderSaga

        register_projection(signals.OrderProjection())
        CreateOrderSaga.register()
        # Handler names are stable: the inbox and dead letters are keyed by them. All of them
        # form one order group keyed by the order id, so an order's saga messages are handled in
        # the order they were published, whichever context published them.
        subscribe_handlers(handlers, queue="ordering", order_group="ordering.orders", events={
            "on_baskets_basket_checked_out": baskets.BasketCheckedOut,
            "on_customers_customer_authorization_failed": customers.CustomerAuthorizationFailed,
            "on_depot_shopping_list_creation_failed": depot.ShoppingListCreationFailed,
            "on_payments_payment_confirmation_failed": payments.PaymentConfirmationFailed,
            "on_depot_shopping_list_initiated": depot.ShoppingListInitiated,
            "on_depot_shopping_list_assigned": depot.ShoppingListAssigned,
            "on_depot_shopping_list_completed": depot.ShoppingListCompleted,
            "on_payments_invoice_paid": payments.InvoicePaid,
        })  # fmt: skip

"""What tells how an order's create-order saga ran, for the tests of both modes."""

from __future__ import annotations

from mallbots.kernel.messaging.models import StreamMessage
from mallbots.kernel.sagas.models import SagaInstance
from tests.conftest import wait_until

SAGA_COMMANDS = [
    "customersapi.AuthorizeCustomer",
    "depotapi.CreateShoppingListCommand",
    "paymentsapi.ConfirmPayment",
    "depotapi.InitiateShoppingCommand",
]


def saga_ran(mode: str, order_id: str, outcome: str) -> None:
    """The order's saga ran the way `mode` says: orchestrated, its instance ends `outcome`
    (completed, compensated); choreographed, there is no instance and no command."""
    commands = StreamMessage.objects.filter(partition_key=order_id, producer__endswith=".commands")
    if mode == "orchestration":
        wait_until(lambda: SagaInstance.objects.filter(saga_id=order_id, status=outcome).exists())
        assert commands.exists()
    else:
        assert not SagaInstance.objects.filter(saga_id=order_id).exists()
        assert not commands.exists()

"""One example of every integration event the payments context publishes."""

from decimal import Decimal

from apps.payments.contracts import (
    InvoiceCanceled,
    InvoicePaid,
    PaymentConfirmationFailed,
    PaymentConfirmed,
    PaymentReleased,
)

ORDER_ID = "5f0c2a8e-7d41-4c9b-9e2f-3b6a1d8c4e70"
PAYMENT_ID = "a3e9b1c4-2f6d-4a8e-b7c5-0d1e2f3a4b5c"

EXAMPLES = [
    PaymentConfirmed(id=PAYMENT_ID, order_id=ORDER_ID, amount=Decimal("42.50")),
    PaymentConfirmationFailed(
        id=PAYMENT_ID, order_id=ORDER_ID, reason="the payment is smaller than the order total"
    ),
    PaymentReleased(id=PAYMENT_ID, order_id=ORDER_ID, reason="the order was rejected"),
    InvoicePaid(id=ORDER_ID, order_id=ORDER_ID, amount=Decimal("42.50")),
    InvoiceCanceled(id=ORDER_ID, order_id=ORDER_ID),
]

"""Payments and invoices: state-stored aggregates (one row each) that record domain events,
dispatched by the repository after saving them. Also the payments context's copy of each
order, which carries step 4 of the create-order saga: confirming the order's payment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from mallbots.kernel.ddd import Aggregate, DomainEvent, FailedPrecondition, InvalidArgument, NotFound
from mallbots.kernel.ddd.limits import MONEY_MAX

CENT = Decimal("0.01")

# --- Errors (messages of the original where it had one) -----------------------------------


class PaymentNotFound(NotFound):
    default_message = "the payment was not found"


class InvoiceNotFound(NotFound):
    default_message = "the invoice was not found"


class CustomerNotFound(NotFound):
    default_message = "the customer was not found"


class OrderNotFound(NotFound):
    default_message = "the order was not found"


class PaymentAmountNotPositive(InvalidArgument):
    default_message = "the payment amount must be positive"


class InvoiceAmountNegative(InvalidArgument):
    default_message = "the invoice amount cannot be negative"


class AmountTooLarge(InvalidArgument):
    default_message = f"the amount cannot exceed {MONEY_MAX}"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "amount", "description": self.default_message}])


class PaymentOfAnotherCustomer(FailedPrecondition):
    default_message = "the payment belongs to another customer"


class PaymentTooSmall(FailedPrecondition):
    default_message = "the payment is smaller than the order total"


class PaymentNotConfirmed(FailedPrecondition):
    """The orchestrated saga's ConfirmPayment refused; the message says why."""


class PaymentAlreadyUsed(FailedPrecondition):
    default_message = "the payment was already used for another order"


class InvoiceCannotBePaid(FailedPrecondition):
    default_message = "invoice cannot be paid for"


class InvoiceCannotBeCanceled(FailedPrecondition):
    # The original answered "invoice cannot be paid for" here too.
    default_message = "the invoice cannot be canceled"


class InvoiceCannotBeAdjusted(FailedPrecondition):
    default_message = "the invoice cannot be adjusted"


# Why a payment cannot be confirmed for an order: outcomes of the saga step, not failures of it.
CONFIRMATION_REFUSALS = (PaymentNotFound, PaymentOfAnotherCustomer, PaymentTooSmall, PaymentAlreadyUsed)


# --- Domain events --------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentAuthorized(DomainEvent, name="payments.PaymentAuthorized"):
    payment_id: str
    customer_id: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentConfirmed(DomainEvent, name="payments.PaymentConfirmed"):
    payment_id: str
    order_id: str
    amount: Decimal  # the order total the payment covers


@dataclass(frozen=True)
class PaymentConfirmationFailed(DomainEvent, name="payments.PaymentConfirmationFailed"):
    payment_id: str
    order_id: str
    reason: str


@dataclass(frozen=True)
class PaymentReleased(DomainEvent, name="payments.PaymentReleased"):
    """Compensation: the payment confirmed for an order that was then rejected or cancelled is
    bound to no order again."""

    payment_id: str
    order_id: str
    reason: str


@dataclass(frozen=True)
class InvoiceCreated(DomainEvent, name="payments.InvoiceCreated"):
    invoice_id: str
    order_id: str
    payment_id: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceAdjusted(DomainEvent, name="payments.InvoiceAdjusted"):
    invoice_id: str
    order_id: str
    amount: Decimal


@dataclass(frozen=True)
class InvoicePaid(DomainEvent, name="payments.InvoicePaid"):
    invoice_id: str
    order_id: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceCanceled(DomainEvent, name="payments.InvoiceCanceled"):
    invoice_id: str
    order_id: str


# --- Payment --------------------------------------------------------------------------------


class Payment(Aggregate):
    """A payment the customer authorized at the kiosk, before checking out. It can be confirmed
    for one order only: its `order_id` is empty until then."""

    stream_type = "payments.Payment"

    def __init__(self, id: str, customer_id: str, amount: Decimal, order_id: str = "") -> None:
        super().__init__(id)
        self.customer_id = customer_id
        self.amount = amount
        self.order_id = order_id

    @classmethod
    def authorize(cls, id: str, customer_id: str, amount: Decimal) -> Payment:
        if amount <= 0:
            raise PaymentAmountNotPositive()
        if amount > MONEY_MAX:
            raise AmountTooLarge()
        payment = cls(id, customer_id, amount.quantize(CENT))
        payment.record(PaymentAuthorized(payment_id=id, customer_id=customer_id, amount=payment.amount))
        return payment

    def confirm_for(self, *, order_id: str, customer_id: str, total: Decimal) -> None:
        """Binds the payment to the order. Confirming it again for the same order does nothing."""
        if self.order_id == order_id:
            return
        if self.customer_id != customer_id:
            raise PaymentOfAnotherCustomer()
        if self.amount < total:
            raise PaymentTooSmall()
        if self.order_id:
            raise PaymentAlreadyUsed()
        self.order_id = order_id
        self.record(PaymentConfirmed(payment_id=self.id, order_id=order_id, amount=total))

    def release(self, *, order_id: str, reason: str) -> None:
        """Unbinds the payment from `order_id` (rejected or cancelled after the confirmation),
        so it may pay for another order. A payment not bound to that order stays as it is."""
        if self.order_id != order_id:
            return
        self.order_id = ""
        self.record(PaymentReleased(payment_id=self.id, order_id=order_id, reason=reason))


# --- Invoice --------------------------------------------------------------------------------


class InvoiceStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELED = "canceled"


def _invoice_amount(amount: Decimal) -> Decimal:
    if amount < 0:
        raise InvoiceAmountNegative()
    if amount > MONEY_MAX:
        raise AmountTooLarge()
    return amount.quantize(CENT)


class Invoice(Aggregate):
    """The bill of a ready order: its id is the order id. Pending until paid or canceled."""

    stream_type = "payments.Invoice"

    def __init__(
        self,
        id: str,
        order_id: str,
        payment_id: str,
        amount: Decimal,
        status: InvoiceStatus = InvoiceStatus.PENDING,
    ) -> None:
        super().__init__(id)
        self.order_id = order_id
        self.payment_id = payment_id
        self.amount = amount
        self.status = status

    @classmethod
    def create(cls, order_id: str, payment_id: str, amount: Decimal) -> Invoice:
        invoice = cls(order_id, order_id, payment_id, _invoice_amount(amount))
        invoice.record(
            InvoiceCreated(
                invoice_id=invoice.id, order_id=order_id, payment_id=payment_id, amount=invoice.amount
            )
        )
        return invoice

    def adjust(self, amount: Decimal) -> None:
        if self.status != InvoiceStatus.PENDING:
            raise InvoiceCannotBeAdjusted()
        amount = _invoice_amount(amount)
        if amount == self.amount:
            return  # nothing changed, nothing to tell anyone
        self.amount = amount
        self.record(InvoiceAdjusted(invoice_id=self.id, order_id=self.order_id, amount=amount))

    def pay(self) -> None:
        if self.status != InvoiceStatus.PENDING:
            raise InvoiceCannotBePaid()
        self.status = InvoiceStatus.PAID
        self.record(InvoicePaid(invoice_id=self.id, order_id=self.order_id, amount=self.amount))

    def cancel(self) -> None:
        if self.status != InvoiceStatus.PENDING:
            raise InvoiceCannotBeCanceled()
        self.status = InvoiceStatus.CANCELED
        self.record(InvoiceCanceled(invoice_id=self.id, order_id=self.order_id))


# --- The payments context's copy of an order ------------------------------------------------


class Confirmation(StrEnum):
    AWAITING = "awaiting"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    RELEASED = "released"  # confirmed, then released when the order was rejected or cancelled


REJECTED_REASON = "the order was rejected"
CANCELLED_REASON = "the order was cancelled"


class OrderCopy(Aggregate):
    """What the payments context keeps of an order (from ordersapi.OrderCreated): who pays, with
    which payment, how much; and how the confirmation of its payment went. It confirms the
    payment once: after that, or once the order is rejected or cancelled, a confirmation does
    nothing, and a payment confirmed before the rejection or cancellation is released."""

    stream_type = "payments.Order"

    def __init__(
        self,
        id: str,
        customer_id: str,
        payment_id: str,
        total: Decimal,
        confirmation: Confirmation = Confirmation.AWAITING,
        failure_reason: str = "",
        canceled: bool = False,
        rejected: bool = False,
        orchestrated: bool = False,
    ) -> None:
        super().__init__(id)
        self.customer_id = customer_id
        self.payment_id = payment_id
        self.total = total
        self.confirmation = confirmation
        self.failure_reason = failure_reason
        self.canceled = canceled
        self.rejected = rejected
        self.orchestrated = orchestrated  # its saga sends ConfirmPayment (docs/saga.md)

    @property
    def finished(self) -> bool:
        """Rejected or cancelled: its payment is never to be confirmed (any more)."""
        return self.canceled or self.rejected

    @property
    def awaits_confirmation(self) -> bool:
        return self.confirmation == Confirmation.AWAITING and not self.finished

    @property
    def holds_payment(self) -> bool:
        return self.confirmation == Confirmation.CONFIRMED

    def confirm_payment(self, payment: Payment | None) -> None:
        """Step 4 of the create-order saga. `payment` is the order's payment, None when there is
        no such payment. Either the payment is bound to the order (it records PaymentConfirmed)
        or this order records PaymentConfirmationFailed with the reason."""
        if not self.awaits_confirmation:
            return
        try:
            if payment is None:
                raise PaymentNotFound()
            payment.confirm_for(order_id=self.id, customer_id=self.customer_id, total=self.total)
        except CONFIRMATION_REFUSALS as refusal:
            self.confirmation = Confirmation.FAILED
            self.failure_reason = refusal.message
            self.record(
                PaymentConfirmationFailed(
                    payment_id=self.payment_id, order_id=self.id, reason=refusal.message
                )
            )
        else:
            self.confirmation = Confirmation.CONFIRMED

    def cancel(self, payment: Payment | None = None) -> None:
        """The order was cancelled. `payment` is its payment when it may be released (None
        keeps a confirmed payment bound, e.g. to an order whose invoice is paid)."""
        self.canceled = True
        self._release(payment, CANCELLED_REASON)

    def reject(self, payment: Payment | None = None) -> None:
        """The order was rejected (create-order saga): a confirmation still to come does
        nothing, and `payment`, if it was confirmed for this order, is released."""
        self.rejected = True
        self._release(payment, REJECTED_REASON)

    def _release(self, payment: Payment | None, reason: str) -> None:
        if self.holds_payment and payment is not None:
            payment.release(order_id=self.id, reason=reason)
            self.confirmation = Confirmation.RELEASED

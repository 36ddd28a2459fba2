"""The order: an event-sourced aggregate, its domain events and its errors.

An order is created from a checked-out basket (its id is the basket's) or through the API,
`pending` while the create-order saga runs, then `approved` (the depot made its shopping list
available) or `rejected` (a saga step failed, or it was not approved in time). A bot taking
the list puts it `in-progress`, the list completed makes it `ready`, the paid invoice
`completed`. A `pending` or `approved` order may be `cancelled`. Every transition checks the
status it starts from; each domain event carries what the published event needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from mallbots.kernel.ddd import (
    DomainEvent,
    EventSourcedAggregate,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    when,
)
from mallbots.kernel.ddd.limits import LINES_MAX, MONEY_MAX, NAME_MAX_LENGTH, QUANTITY_MAX

CENT = Decimal("0.01")

# --- Errors (messages of the original where it had one) -----------------------------------


class OrderNotFound(NotFound):
    default_message = "the order was not found"


class OrderHasNoItems(InvalidArgument):
    default_message = "create order command: the order has no items"


class CustomerIdCannotBeBlank(InvalidArgument):
    default_message = "create order command: the customer id cannot be blank"


class PaymentIdCannotBeBlank(InvalidArgument):
    default_message = "create order command: the payment id cannot be blank"


class QuantityTooSmall(InvalidArgument):
    default_message = "create order command: the item quantity must be at least 1"


class PriceCannotBeNegative(InvalidArgument):
    default_message = "create order command: the item price cannot be negative"


class OrderOutOfRange(InvalidArgument):
    """A number or a name past what every copy of the order can hold (mallbots.kernel.ddd.limits)."""

    @classmethod
    def of(cls, field: str, message: str) -> OrderOutOfRange:
        message = f"create order command: {message}"
        return cls(message, details=[{"field": field, "description": message}])


class ShoppingIdCannotBeBlank(InvalidArgument):
    default_message = "the shopping id cannot be blank"


class BotIdCannotBeBlank(InvalidArgument):
    default_message = "the bot id cannot be blank"


class InvoiceIdCannotBeBlank(InvalidArgument):
    default_message = "the invoice id cannot be blank"


class UnknownSagaMode(InvalidArgument):
    default_message = "the create-order saga runs as choreography or orchestration"


class OrderStatusRefused(FailedPrecondition):
    """The order's status does not allow the transition. Saga handlers treat it as "nothing
    to do": the order already moved on (rejected, cancelled, ...)."""


class OrderCannotBeRecreated(OrderStatusRefused):
    default_message = "create order command: the order cannot be recreated"


class OrderCannotBeApproved(OrderStatusRefused):
    default_message = "the order cannot be approved"


class OrderCannotBeRejected(OrderStatusRefused):
    default_message = "the order cannot be rejected"


class OrderCannotBeStarted(OrderStatusRefused):
    default_message = "the order cannot be put in progress"


class OrderCannotBeReadied(OrderStatusRefused):
    default_message = "the order cannot be made ready"


class OrderCannotBeCompleted(OrderStatusRefused):
    default_message = "the order cannot be completed"


class OrderCannotBeCancelled(OrderStatusRefused):
    default_message = "the order cannot be cancelled"


# --- Value objects and events -------------------------------------------------------------


class OrderStatus(StrEnum):
    NEW = ""  # no event yet
    PENDING = "pending"
    REJECTED = "rejected"
    APPROVED = "approved"
    IN_PROGRESS = "in-progress"
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SagaMode(StrEnum):
    """How the order's create-order saga runs (docs/saga.md), chosen when the order is created
    (setting MALLBOTS_SAGA) and kept to its end."""

    CHOREOGRAPHY = "choreography"  # each participant reacts to the previous one's event
    ORCHESTRATION = "orchestration"  # ordering's CreateOrderSaga sends commands, handles replies


# An order can be cancelled until its shopping has started.
CANCELLABLE = (OrderStatus.PENDING, OrderStatus.APPROVED)


@dataclass(frozen=True)
class Item:
    """A line of the order: the product, its store, their names and the price when ordered."""

    store_id: str
    product_id: str
    store_name: str
    product_name: str
    price: Decimal
    quantity: int


def order_total(items: Iterable[Item]) -> Decimal:
    """Sum of price times quantity, in cents."""
    return sum((item.price * item.quantity for item in items), Decimal("0")).quantize(CENT)


@dataclass(frozen=True)
class OrderCreated(DomainEvent, name="ordering.OrderCreated"):
    order_id: str
    customer_id: str
    payment_id: str
    items: tuple[Item, ...]
    saga: SagaMode = SagaMode.CHOREOGRAPHY  # every order before there were two modes

    @property
    def total(self) -> Decimal:
        return order_total(self.items)


@dataclass(frozen=True)
class OrderApproved(DomainEvent, name="ordering.OrderApproved"):
    order_id: str
    customer_id: str
    payment_id: str
    shopping_id: str


@dataclass(frozen=True)
class OrderRejected(DomainEvent, name="ordering.OrderRejected"):
    order_id: str
    customer_id: str
    payment_id: str
    reason: str


@dataclass(frozen=True)
class OrderInProgress(DomainEvent, name="ordering.OrderInProgress"):
    order_id: str
    customer_id: str
    shopping_id: str
    bot_id: str


@dataclass(frozen=True)
class OrderReadied(DomainEvent, name="ordering.OrderReadied"):
    order_id: str
    customer_id: str
    payment_id: str
    total: Decimal


@dataclass(frozen=True)
class OrderCanceled(DomainEvent, name="ordering.OrderCanceled"):
    order_id: str
    customer_id: str
    payment_id: str
    shopping_id: str


@dataclass(frozen=True)
class OrderCompleted(DomainEvent, name="ordering.OrderCompleted"):
    order_id: str
    customer_id: str
    invoice_id: str


# --- The aggregate ------------------------------------------------------------------------


def _check_item(item: Item) -> None:
    if item.quantity < 1:
        raise QuantityTooSmall()
    if item.price < 0:
        raise PriceCannotBeNegative()
    if item.quantity > QUANTITY_MAX:
        raise OrderOutOfRange.of("quantity", f"the item quantity cannot exceed {QUANTITY_MAX}")
    if item.price > MONEY_MAX:
        raise OrderOutOfRange.of("price", f"the item price cannot exceed {MONEY_MAX}")
    if len(item.store_name) > NAME_MAX_LENGTH or len(item.product_name) > NAME_MAX_LENGTH:
        raise OrderOutOfRange.of("productName", f"a name cannot be longer than {NAME_MAX_LENGTH} characters")


def _check_order(items: tuple[Item, ...]) -> None:
    """What the payments and search copies and the invoice of the order must hold."""
    if len(items) > LINES_MAX:
        raise OrderOutOfRange.of("items", f"an order cannot have more than {LINES_MAX} items")
    if order_total(items) > MONEY_MAX:
        raise OrderOutOfRange.of("items", f"the order total cannot exceed {MONEY_MAX}")


class Order(EventSourcedAggregate):
    stream_type = "ordering.Order"
    snapshot_version = 2  # 2: the saga mode
    snapshot_fields = (
        "customer_id",
        "payment_id",
        "shopping_id",
        "invoice_id",
        "bot_id",
        "status",
        "saga",
        "items",
    )
    customer_id: str
    payment_id: str
    shopping_id: str
    invoice_id: str
    bot_id: str
    status: OrderStatus
    saga: SagaMode
    items: tuple[Item, ...]

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.customer_id = ""
        self.payment_id = ""
        self.shopping_id = ""
        self.invoice_id = ""
        self.bot_id = ""
        self.status = OrderStatus.NEW
        self.saga = SagaMode.CHOREOGRAPHY
        self.items = ()

    @property
    def total(self) -> Decimal:
        return order_total(self.items)

    def create(
        self,
        *,
        customer_id: str,
        payment_id: str,
        items: Iterable[Item],
        saga: str = SagaMode.CHOREOGRAPHY,
    ) -> None:
        """The original's checks, in its order, then each item's quantity and price. `saga`
        is how its create-order saga runs."""
        items = tuple(items)
        if self.status != OrderStatus.NEW:
            raise OrderCannotBeRecreated()
        if not items:
            raise OrderHasNoItems()
        if not customer_id.strip():
            raise CustomerIdCannotBeBlank()
        if not payment_id.strip():
            raise PaymentIdCannotBeBlank()
        for item in items:
            _check_item(item)
        _check_order(items)
        try:
            mode = SagaMode(saga)
        except ValueError:
            raise UnknownSagaMode() from None
        self.record(
            OrderCreated(
                order_id=self.id,
                customer_id=customer_id,
                payment_id=payment_id,
                items=items,
                saga=mode,
            )
        )

    def approve(self, shopping_id: str) -> None:
        if self.status != OrderStatus.PENDING:
            raise OrderCannotBeApproved()
        if not shopping_id.strip():
            raise ShoppingIdCannotBeBlank()
        self.record(
            OrderApproved(
                order_id=self.id,
                customer_id=self.customer_id,
                payment_id=self.payment_id,
                shopping_id=shopping_id,
            )
        )

    def reject(self, reason: str) -> None:
        if self.status != OrderStatus.PENDING:
            raise OrderCannotBeRejected()
        self.record(
            OrderRejected(
                order_id=self.id, customer_id=self.customer_id, payment_id=self.payment_id, reason=reason
            )
        )

    def start(self, bot_id: str) -> None:
        """A bot took the order's shopping list."""
        if self.status != OrderStatus.APPROVED:
            raise OrderCannotBeStarted()
        if not bot_id.strip():
            raise BotIdCannotBeBlank()
        self.record(
            OrderInProgress(
                order_id=self.id, customer_id=self.customer_id, shopping_id=self.shopping_id, bot_id=bot_id
            )
        )

    def ready(self) -> None:
        """The shopping list is completed. Also from `approved`: the list cannot be completed
        without a bot, but if the assignment never reaches this order (its message discarded
        by staff) the order must still become ready."""
        if self.status not in (OrderStatus.APPROVED, OrderStatus.IN_PROGRESS):
            raise OrderCannotBeReadied()
        self.record(
            OrderReadied(
                order_id=self.id, customer_id=self.customer_id, payment_id=self.payment_id, total=self.total
            )
        )

    def complete(self, invoice_id: str) -> None:
        if self.status != OrderStatus.READY:
            raise OrderCannotBeCompleted()
        if not invoice_id.strip():
            raise InvoiceIdCannotBeBlank()
        self.record(OrderCompleted(order_id=self.id, customer_id=self.customer_id, invoice_id=invoice_id))

    def cancel(self) -> None:
        if self.status not in CANCELLABLE:
            raise OrderCannotBeCancelled()
        self.record(
            OrderCanceled(
                order_id=self.id,
                customer_id=self.customer_id,
                payment_id=self.payment_id,
                shopping_id=self.shopping_id,
            )
        )

    @when(OrderCreated)
    def _created(self, event: OrderCreated) -> None:
        self.customer_id = event.customer_id
        self.payment_id = event.payment_id
        self.items = event.items
        self.saga = event.saga
        self.status = OrderStatus.PENDING

    @when(OrderApproved)
    def _approved(self, event: OrderApproved) -> None:
        self.shopping_id = event.shopping_id
        self.status = OrderStatus.APPROVED

    @when(OrderRejected)
    def _rejected(self, event: OrderRejected) -> None:
        self.status = OrderStatus.REJECTED

    @when(OrderInProgress)
    def _in_progress(self, event: OrderInProgress) -> None:
        self.bot_id = event.bot_id
        self.status = OrderStatus.IN_PROGRESS

    @when(OrderReadied)
    def _readied(self, event: OrderReadied) -> None:
        self.status = OrderStatus.READY

    @when(OrderCompleted)
    def _completed(self, event: OrderCompleted) -> None:
        self.invoice_id = event.invoice_id
        self.status = OrderStatus.COMPLETED

    @when(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> None:
        self.status = OrderStatus.CANCELLED

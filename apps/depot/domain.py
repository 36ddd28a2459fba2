"""The depot's aggregates: the ShoppingList a bot walks through the mall (one stop per store),
the Bot that walks it, and the OrderCopy the list is made from. All are state-stored (one row
each) and record domain events that the repository dispatches after saving them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from mallbots.kernel.ddd import (
    Aggregate,
    DomainError,
    DomainEvent,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from mallbots.kernel.ddd.limits import LINES_MAX, NAME_MAX_LENGTH, QUANTITY_MAX

# --- Errors (messages of the original where it had one) -----------------------------------


class ShoppingListNotFound(NotFound):
    default_message = "the shopping list was not found"


class BotNotFound(NotFound):
    default_message = "the bot was not found"


class OrderNotKnown(NotFound):
    default_message = "the order is not known to the depot"


class ProductNoLongerSold(NotFound):
    """The message names the product: "the product is no longer sold: <name or id>"."""

    default_message = "the product is no longer sold"

    @classmethod
    def named(cls, name: str) -> ProductNoLongerSold:
        return cls(f"{cls.default_message}: {name}")


class StoreNotFound(NotFound):
    default_message = "the store was not found"


class ProductNotInStore(InvalidArgument):
    default_message = "the product is not sold by that store"


class OrderIdBlank(InvalidArgument):
    default_message = "the order id cannot be blank"


class ShoppingListHasNoItems(InvalidArgument):
    default_message = "the shopping list needs at least one item"


class QuantityTooSmall(InvalidArgument):
    default_message = "the item quantity must be at least 1"


class BotNameBlank(InvalidArgument):
    default_message = "the bot name cannot be blank"


class OutOfRange(InvalidArgument):
    """A number or a name past what the depot keeps (mallbots.kernel.ddd.limits)."""

    @classmethod
    def of(cls, field: str, message: str) -> OutOfRange:
        return cls(message, details=[{"field": field, "description": message}])


class ShoppingListCannotBeCanceled(FailedPrecondition):
    default_message = "the shopping list cannot be canceled"


class ShoppingListCannotBeInitiated(FailedPrecondition):
    default_message = "the shopping list cannot be initiated"


class ShoppingListCannotBeAssigned(FailedPrecondition):
    default_message = "the shopping list cannot be assigned"


class ShoppingListCannotBeCompleted(FailedPrecondition):
    default_message = "the shopping list cannot be completed"


class BotNotIdle(FailedPrecondition):
    default_message = "the bot is not idle"


# --- Statuses (the original's spelling) ----------------------------------------------------


class ShoppingListStatus(StrEnum):
    PENDING = "pending"  # created for an order whose payment is not confirmed yet
    AVAILABLE = "available"  # shopping initiated: waiting for a bot
    ASSIGNED = "assigned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELED = "canceled"


CANCELABLE = frozenset(
    {
        ShoppingListStatus.PENDING,
        ShoppingListStatus.AVAILABLE,
        ShoppingListStatus.ASSIGNED,
        ShoppingListStatus.ACTIVE,
    }
)
COMPLETABLE = frozenset({ShoppingListStatus.ASSIGNED, ShoppingListStatus.ACTIVE})


class OrderCopyStatus(StrEnum):
    OPEN = "open"
    REJECTED = "rejected"
    CANCELED = "canceled"


class BotStatus(StrEnum):
    IDLE = "idle"
    ACTIVE = "active"


# --- Value objects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    """What to pick up, as an order (or a client) states it. `product_name` is what the order
    called the product, if known: it names a product that is no longer sold."""

    product_id: str
    store_id: str
    quantity: int
    product_name: str = ""


@dataclass(frozen=True)
class Pick:
    """An order line with the names and the location the bot needs."""

    store_id: str
    store_name: str
    store_location: str
    product_id: str
    product_name: str
    quantity: int


@dataclass(frozen=True)
class Item:
    product_id: str
    product_name: str
    quantity: int


@dataclass(frozen=True)
class Stop:
    store_id: str
    store_name: str
    store_location: str
    items: tuple[Item, ...]


def check_lines(order_id: str, lines: Sequence[OrderLine]) -> None:
    """What makes a list impossible whatever the stores say: checked before any lookup."""
    if not order_id.strip():
        raise OrderIdBlank()
    if not lines:
        raise ShoppingListHasNoItems()
    if any(line.quantity < 1 for line in lines):
        raise QuantityTooSmall()
    if len(lines) > LINES_MAX:
        raise OutOfRange.of("items", f"the shopping list cannot have more than {LINES_MAX} items")
    if any(line.quantity > QUANTITY_MAX for line in lines):
        raise OutOfRange.of("quantity", f"the item quantity cannot exceed {QUANTITY_MAX}")


def plan_stops(picks: Sequence[Pick]) -> tuple[Stop, ...]:
    """One stop per store, in the order the stores first appear; in each stop one item per
    product, in the order the products first appear, with the quantities of a product summed
    (the original kept only the first line of a product)."""
    stores: dict[str, Pick] = {}
    quantities: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for pick in picks:
        stores.setdefault(pick.store_id, pick)
        products = quantities.setdefault(pick.store_id, {})
        products[pick.product_id] = products.get(pick.product_id, 0) + pick.quantity
        names.setdefault(pick.product_id, pick.product_name)
    return tuple(
        Stop(
            store_id=store_id,
            store_name=first.store_name,
            store_location=first.store_location,
            items=tuple(
                Item(product_id=product_id, product_name=names[product_id], quantity=quantity)
                for product_id, quantity in quantities[store_id].items()
            ),
        )
        for store_id, first in stores.items()
    )


# --- Domain events ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShoppingListCreated(DomainEvent, name="depot.ShoppingListCreated"):
    shopping_list_id: str
    order_id: str
    stops: tuple[Stop, ...]


@dataclass(frozen=True)
class ShoppingListInitiated(DomainEvent, name="depot.ShoppingListInitiated"):
    shopping_list_id: str
    order_id: str


@dataclass(frozen=True)
class ShoppingListAssigned(DomainEvent, name="depot.ShoppingListAssigned"):
    shopping_list_id: str
    order_id: str
    bot_id: str


@dataclass(frozen=True)
class ShoppingListCompleted(DomainEvent, name="depot.ShoppingListCompleted"):
    shopping_list_id: str
    order_id: str
    bot_id: str


@dataclass(frozen=True)
class ShoppingListCanceled(DomainEvent, name="depot.ShoppingListCanceled"):
    shopping_list_id: str
    order_id: str
    bot_id: str  # the bot freed by the cancellation, "" when none was assigned


@dataclass(frozen=True)
class BotCreated(DomainEvent, name="depot.BotCreated"):
    bot_id: str
    name: str


@dataclass(frozen=True)
class BotActivated(DomainEvent, name="depot.BotActivated"):
    bot_id: str
    shopping_list_id: str


@dataclass(frozen=True)
class BotIdled(DomainEvent, name="depot.BotIdled"):
    bot_id: str
    shopping_list_id: str  # the list the bot finished or that was canceled


@dataclass(frozen=True)
class ShoppingListRefused(DomainEvent, name="depot.ShoppingListRefused"):
    """The order's list cannot be made (a product no longer sold, a store not found): an outcome
    of the create-order saga, not an error."""

    order_id: str
    reason: str


# --- Aggregates -------------------------------------------------------------------------------


class Bot(Aggregate):
    """A robot of the depot. Idle bots may be given an available shopping list; a bot walks one
    list at a time and is idle again once that list is completed or canceled."""

    stream_type = "depot.Bot"

    def __init__(
        self, id: str, name: str, status: BotStatus = BotStatus.IDLE, shopping_list_id: str = ""
    ) -> None:
        super().__init__(id)
        self.name = name
        self.status = status
        self.shopping_list_id = shopping_list_id

    @classmethod
    def create(cls, id: str, name: str) -> Bot:
        name = name.strip()
        if not name:
            raise BotNameBlank()
        if len(name) > NAME_MAX_LENGTH:
            raise OutOfRange.of("name", f"the bot name cannot be longer than {NAME_MAX_LENGTH} characters")
        bot = cls(id, name)
        bot.record(BotCreated(bot_id=id, name=name))
        return bot

    @property
    def idle(self) -> bool:
        return self.status == BotStatus.IDLE

    def take(self, shopping_list_id: str) -> None:
        if not self.idle:
            raise BotNotIdle()
        self.status = BotStatus.ACTIVE
        self.shopping_list_id = shopping_list_id
        self.record(BotActivated(bot_id=self.id, shopping_list_id=shopping_list_id))

    def release(self, shopping_list_id: str) -> None:
        """Idle again, if the bot is still walking that list (otherwise nothing changes)."""
        if self.status != BotStatus.ACTIVE or self.shopping_list_id != shopping_list_id:
            return
        self.status = BotStatus.IDLE
        self.shopping_list_id = ""
        self.record(BotIdled(bot_id=self.id, shopping_list_id=shopping_list_id))


class ShoppingList(Aggregate):
    """What a bot picks up for one order: one stop per store, the items of each stop.

    pending -> available (shopping initiated once the payment is confirmed) -> assigned (to an
    idle bot) -> completed; `active` (the bot is shopping) completes too. Any status before
    completed may be canceled, which frees the bot."""

    stream_type = "depot.ShoppingList"

    def __init__(
        self,
        id: str,
        order_id: str,
        stops: tuple[Stop, ...],
        status: ShoppingListStatus = ShoppingListStatus.PENDING,
        assigned_bot_id: str = "",
    ) -> None:
        super().__init__(id)
        self.order_id = order_id
        self.stops = stops
        self.status = status
        self.assigned_bot_id = assigned_bot_id

    @classmethod
    def create(cls, id: str, order_id: str, picks: Sequence[Pick]) -> ShoppingList:
        check_lines(
            order_id, [OrderLine(p.product_id, p.store_id, p.quantity, p.product_name) for p in picks]
        )
        shopping_list = cls(id, order_id, plan_stops(picks))
        shopping_list.record(
            ShoppingListCreated(shopping_list_id=id, order_id=order_id, stops=shopping_list.stops)
        )
        return shopping_list

    @property
    def cancelable(self) -> bool:
        return self.status in CANCELABLE

    def initiate(self) -> None:
        if self.status != ShoppingListStatus.PENDING:
            raise ShoppingListCannotBeInitiated()
        self.status = ShoppingListStatus.AVAILABLE
        self.record(ShoppingListInitiated(shopping_list_id=self.id, order_id=self.order_id))

    def assign(self, bot: Bot) -> None:
        if self.status != ShoppingListStatus.AVAILABLE:
            raise ShoppingListCannotBeAssigned()
        bot.take(self.id)
        self.status = ShoppingListStatus.ASSIGNED
        self.assigned_bot_id = bot.id
        self.record(ShoppingListAssigned(shopping_list_id=self.id, order_id=self.order_id, bot_id=bot.id))

    def complete(self, bot: Bot | None) -> None:
        """`bot` is the assigned bot (None if it no longer exists): it becomes idle."""
        if self.status not in COMPLETABLE:
            raise ShoppingListCannotBeCompleted()
        self.status = ShoppingListStatus.COMPLETED
        self._free(bot)
        self.record(
            ShoppingListCompleted(
                shopping_list_id=self.id, order_id=self.order_id, bot_id=self.assigned_bot_id
            )
        )

    def cancel(self, bot: Bot | None) -> None:
        """`bot` is the assigned bot, if any: it becomes idle."""
        if not self.cancelable:
            raise ShoppingListCannotBeCanceled()
        self.status = ShoppingListStatus.CANCELED
        self._free(bot)
        self.record(
            ShoppingListCanceled(
                shopping_list_id=self.id, order_id=self.order_id, bot_id=self.assigned_bot_id
            )
        )

    def _free(self, bot: Bot | None) -> None:
        if bot is not None and bot.id == self.assigned_bot_id:
            bot.release(self.id)


class OrderCopy(Aggregate):
    """What the depot keeps of an order (ordersapi.OrderCreated): its items, from which the
    create-order saga has its shopping list made, and whether the order is still open as far as
    the depot cares: a rejected or canceled order gets no list any more. Its id is the order id."""

    stream_type = "depot.OrderCopy"

    def __init__(
        self,
        order_id: str,
        lines: tuple[OrderLine, ...],
        status: OrderCopyStatus = OrderCopyStatus.OPEN,
        orchestrated: bool = False,
    ) -> None:
        super().__init__(order_id)
        self.lines = lines
        self.status = status
        self.orchestrated = orchestrated

    @property
    def open(self) -> bool:
        return self.status == OrderCopyStatus.OPEN

    def close(self, status: OrderCopyStatus) -> None:
        """The order was rejected or canceled (the latest word stands)."""
        self.status = status

    def refuse_shopping_list(self, refusal: DomainError) -> None:
        """The list of the order could not be made: the saga is told why."""
        self.record(ShoppingListRefused(order_id=self.id, reason=refusal.message))

"""Subscriptions: which handler consumes which integration event, on which queue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from django.conf import settings

from .envelope import Envelope
from .events import IntegrationEvent

HandlerFn = Callable[[Any, Envelope], None]


@dataclass(frozen=True)
class Subscription:
    name: str  # stable handler name, e.g. "baskets.on_stores_product_added"; the inbox key
    event_name: str
    event_type: type[IntegrationEvent]
    handler: HandlerFn
    queue: str
    # The ordering sequence this handler follows: None (unordered), its own name, or an order
    # group shared with other handlers of the same context.
    sequence: str | None
    # Where a subscriber new to the database starts: "new" (messages appended from now on),
    # "earliest" (every retained message), "position:N" or "time:ISO8601".
    start_from: str = "new"
    # How a delivery's envelope becomes what the handler takes (None: an integration event).
    decode: Callable[[Envelope], Any] | None = None

    @property
    def ordered(self) -> bool:
        return self.sequence is not None


class UnknownHandler(LookupError):
    """A delivery names a handler this process does not subscribe (yet: a worker on older code)."""


_by_handler: dict[str, Subscription] = {}
_by_event: dict[str, list[Subscription]] = {}
# Bumped by every new subscription, so the relay knows when to record subscribers again.
generation = 0


def parse_start(start_from: str) -> str:
    """Check a start point: "new", "earliest", "position:N" or "time:ISO8601"."""
    kind, _, value = start_from.partition(":")
    if kind in ("new", "earliest") and not value:
        return kind
    if kind == "position" and value.isdigit():
        return start_from
    if kind == "time" and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return start_from
    raise ValueError(
        f"start point {start_from!r}: use new, earliest, position:N or time:ISO8601 with a time zone"
    )


def subscribe(
    event_type: type[IntegrationEvent],
    handler: HandlerFn,
    *,
    name: str,
    queue: str,
    ordered: bool = False,
    order_group: str | None = None,
    start_from: str = "new",
    decode: Callable[[Envelope], Any] | None = None,
) -> Subscription:
    """Declare, in AppConfig.ready(), that `handler(event, envelope)` consumes `event_type` on
    `queue` (the consuming context's queue).

    `ordered=True` delivers the messages of one partition key (aggregate) to this handler one
    by one, in publication order. `order_group="<context>.<name>"` does the same across several
    handlers: the messages of one partition key for all handlers of the group are handled in
    publication order (e.g. a product cache whose handlers consume ProductAdded, its price
    changes and ProductRemoved). Use one group per producer aggregate type.

    `start_from` says where a handler that the database does not know yet starts: "new"
    (the default: what is published from now on), "earliest" (catches up on every retained
    message first, in order where it is ordered), "position:N" or "time:ISO8601". A handler
    joining an order group that already has history starts new (see subscribers.py)."""
    global generation
    known = [settings.MESSAGING_KERNEL_QUEUE, *settings.MESSAGING_CONTEXT_QUEUES]
    if queue not in known:
        raise ValueError(f"queue {queue!r} of {name} is not one of MESSAGING_CONTEXT_QUEUES: {known}")
    sequence = order_group or (name if ordered else None)
    sub = Subscription(
        name, event_type.event_name, event_type, handler, queue, sequence, parse_start(start_from), decode
    )
    if order_group is not None:
        for other in _by_handler.values():
            if other.sequence != order_group or other.name == name:
                continue
            if other.queue != queue:
                raise ValueError(f"order group {order_group} spans queues {other.queue} and {queue}")
            if other.event_name == sub.event_name:
                # One number per message and group: two handlers of it would share it.
                raise ValueError(
                    f"order group {order_group} takes {sub.event_name} twice ({other.name}, {name})"
                )
    existing = _by_handler.get(name)
    if existing is not None:
        if (existing.event_name, existing.queue, existing.sequence) != (sub.event_name, queue, sequence):
            raise ValueError(f"handler name {name} is already used by another subscription")
        return existing
    _by_handler[name] = sub
    _by_event.setdefault(sub.event_name, []).append(sub)
    generation += 1
    return sub


def subscribe_handlers(
    handlers: ModuleType,
    events: Mapping[str, type[IntegrationEvent]],
    *,
    queue: str,
    order_group: str | None = None,
    ordered: bool = False,
    start_from: str = "new",
) -> list[Subscription]:
    """Subscribe each `handlers.<name>` to its event, as the handler `<queue>.<name>`:

        subscribe_handlers(handlers, queue="depot", order_group="depot.orders", events={
            "on_ordering_order_created": ordering.OrderCreated,
            "on_customers_customer_authorized": customers.CustomerAuthorized,
        })

    The names stay written out (they are the inbox's keys: renaming a handler function makes
    this fail at start-up rather than start a new subscriber unnoticed)."""
    return [
        subscribe(
            event_type,
            getattr(handlers, name),
            name=f"{queue}.{name}",
            queue=queue,
            ordered=ordered,
            order_group=order_group,
            start_from=start_from,
        )
        for name, event_type in events.items()
    ]


def subscribers(event_name: str) -> list[Subscription]:
    return list(_by_event.get(event_name, ()))


def subscription(handler_name: str) -> Subscription:
    try:
        return _by_handler[handler_name]
    except KeyError:
        raise UnknownHandler(f"no handler named {handler_name!r} is subscribed in this process") from None


def all_subscriptions() -> list[Subscription]:
    return sorted(_by_handler.values(), key=lambda s: s.name)

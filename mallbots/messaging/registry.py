"""Subscriptions: which handler consumes which integration event, on which queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

    @property
    def ordered(self) -> bool:
        return self.sequence is not None


_by_handler: dict[str, Subscription] = {}
_by_event: dict[str, list[Subscription]] = {}


def subscribe(
    event_type: type[IntegrationEvent],
    handler: HandlerFn,
    *,
    name: str,
    queue: str,
    ordered: bool = False,
    order_group: str | None = None,
) -> Subscription:
    """Declare, in AppConfig.ready(), that `handler(event, envelope)` consumes `event_type` on
    `queue` (the consuming context's queue).

    `ordered=True` delivers the messages of one partition key (aggregate) to this handler one
    by one, in publication order. `order_group="<context>.<name>"` does the same across several
    handlers: the messages of one partition key for all handlers of the group are handled in
    publication order (e.g. a product cache whose handlers consume ProductAdded, its price
    changes and ProductRemoved). Use one group per producer aggregate type."""
    known = [settings.MESSAGING_KERNEL_QUEUE, *settings.MESSAGING_CONTEXT_QUEUES]
    if queue not in known:
        raise ValueError(f"queue {queue!r} of {name} is not one of MESSAGING_CONTEXT_QUEUES: {known}")
    sequence = order_group or (name if ordered else None)
    sub = Subscription(name, event_type.event_name, event_type, handler, queue, sequence)
    if order_group is not None:
        for other in _by_handler.values():
            if other.sequence == order_group and other.queue != queue:
                raise ValueError(f"order group {order_group} spans queues {other.queue} and {queue}")
    existing = _by_handler.get(name)
    if existing is not None:
        if (existing.event_name, existing.queue, existing.sequence) != (sub.event_name, queue, sequence):
            raise ValueError(f"handler name {name} is already used by another subscription")
        return existing
    _by_handler[name] = sub
    _by_event.setdefault(sub.event_name, []).append(sub)
    return sub


def subscribers(event_name: str) -> list[Subscription]:
    return list(_by_event.get(event_name, ()))


def subscription(handler_name: str) -> Subscription:
    try:
        return _by_handler[handler_name]
    except KeyError:
        raise LookupError(f"no handler named {handler_name!r} is subscribed in this process") from None


def all_subscriptions() -> list[Subscription]:
    return sorted(_by_handler.values(), key=lambda s: s.name)

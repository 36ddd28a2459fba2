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
    ordered: bool


_by_handler: dict[str, Subscription] = {}
_by_event: dict[str, list[Subscription]] = {}


def subscribe(
    event_type: type[IntegrationEvent],
    handler: HandlerFn,
    *,
    name: str,
    queue: str,
    ordered: bool = False,
) -> Subscription:
    """Declare, in AppConfig.ready(), that `handler(event, envelope)` consumes `event_type` on
    `queue` (the consuming context's queue). `ordered=True` delivers the messages of one
    partition key (aggregate) to this handler one by one in publication order."""
    known = [settings.MESSAGING_KERNEL_QUEUE, *settings.MESSAGING_CONTEXT_QUEUES]
    if queue not in known:
        raise ValueError(f"queue {queue!r} of {name} is not one of MESSAGING_CONTEXT_QUEUES: {known}")
    sub = Subscription(name, event_type.event_name, event_type, handler, queue, ordered)
    existing = _by_handler.get(name)
    if existing is not None:
        if (existing.event_name, existing.queue, existing.ordered) != (
            sub.event_name,
            queue,
            ordered,
        ):
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

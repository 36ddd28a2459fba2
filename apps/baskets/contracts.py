"""Published language of the baskets context."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mallbots.kernel.messaging.api import IntegrationEvent


@dataclass(frozen=True)
class BasketStarted(IntegrationEvent, name="basketsapi.BasketStarted", producer="baskets"):
    id: str
    customer_id: str


@dataclass(frozen=True)
class BasketCanceled(IntegrationEvent, name="basketsapi.BasketCanceled", producer="baskets"):
    id: str


@dataclass(frozen=True)
class BasketItem:
    store_id: str
    product_id: str
    store_name: str
    product_name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True)
class BasketCheckedOut(IntegrationEvent, name="basketsapi.BasketCheckedOut", producer="baskets"):
    """Everything the order side needs, so it never has to ask baskets back."""

    id: str
    customer_id: str
    payment_id: str
    items: tuple[BasketItem, ...]

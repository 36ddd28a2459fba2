"""Commands of the notifications context: tell the customer by SMS at each customer-facing
step of an order (once per order and kind), and keep the cache of customers' SMS numbers that
the customers context's integration events feed."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.utils import timezone

from apps.customers import contracts as customers
from mallbots.kernel.uow import command

from . import domain, selectors, senders
from .domain import Kind
from .models import CustomerCache, SentNotification

logger = logging.getLogger(__name__)

# --- SMS about an order -------------------------------------------------------------------


@command
def notification_send_order_created(*, order_id: str, customer_id: str, total: Decimal) -> bool:
    text = domain.order_created_text(order_id, total)
    return _notify(Kind.CREATED, order_id=order_id, customer_id=customer_id, text=text)


@command
def notification_send_order_rejected(*, order_id: str, customer_id: str, reason: str) -> bool:
    text = domain.order_rejected_text(order_id, reason)
    return _notify(Kind.REJECTED, order_id=order_id, customer_id=customer_id, text=text)


@command
def notification_send_order_canceled(*, order_id: str, customer_id: str) -> bool:
    text = domain.order_canceled_text(order_id)
    return _notify(Kind.CANCELED, order_id=order_id, customer_id=customer_id, text=text)


@command
def notification_send_order_ready(*, order_id: str, customer_id: str, total: Decimal) -> bool:
    text = domain.order_ready_text(order_id, total)
    return _notify(Kind.READY, order_id=order_id, customer_id=customer_id, text=text)


@command
def notification_send_order_completed(*, order_id: str, customer_id: str) -> bool:
    text = domain.order_completed_text(order_id)
    return _notify(Kind.COMPLETED, order_id=order_id, customer_id=customer_id, text=text)


def _notify(kind: Kind, *, order_id: str, customer_id: str, text: str) -> bool:
    """Sends the SMS unless this order's SMS of this kind was sent already; True when it sent.

    The row goes in first. Of two transactions racing for the same (order, kind), the second
    waits on the unique index until the first ends and then finds its row, so only one sends.
    The SMS goes out inside the transaction: if the sender fails, the row is rolled back with
    everything else and the delivery is retried."""
    customer = _locate_customer(customer_id)
    if customer is None:
        logger.warning("no %s SMS for order %s: the customer %s is unknown", kind, order_id, customer_id)
        return False
    _, inserted = SentNotification.objects.get_or_create(
        order_id=order_id,
        kind=kind,
        defaults={"customer_id": customer_id, "sms_number": customer.sms_number, "text": text},
    )
    if not inserted:
        logger.info("the %s SMS for order %s was sent already", kind, order_id)
        return False
    senders.get_sender().send(customer.sms_number, text)
    return True


def _locate_customer(customer_id: str) -> CustomerCache | None:
    """The cached customer; on a miss, the customers context's answer, cached."""
    cached = selectors.customer_cache_find(customer_id=customer_id)
    if cached is not None:
        return cached
    info = customers.get_customer(customer_id)
    if info is None:
        return None
    return _customer_upsert(customer_id, name=info.name, sms_number=info.sms_number)


# --- Cache fed by the customers context's integration events ------------------------------
#
# Both handlers share an order group (apps.py): one customer's events arrive here in
# publication order. A fallback may have inserted the row before CustomerRegistered is
# handled; the registration overwrites it and the SMS changes after it bring it up to date.


def _customer_upsert(customer_id: str, *, name: str, sms_number: str) -> CustomerCache:
    (customer,) = CustomerCache.objects.bulk_create(
        [CustomerCache(id=customer_id, name=name, sms_number=sms_number)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "sms_number", "updated_at"],
    )
    return customer


@command
def customer_cache_add(*, customer_id: str, name: str, sms_number: str) -> None:
    _customer_upsert(customer_id, name=name, sms_number=sms_number)


@command
def customer_cache_change_sms(*, customer_id: str, sms_number: str) -> None:
    """A missing row stays missing (it was never cached, or purged): the next SMS asks the
    customers context, which has the new number."""
    updated = CustomerCache.objects.filter(id=customer_id).update(
        sms_number=sms_number, updated_at=timezone.now()
    )
    if not updated:
        logger.debug("SMS number change of customer %s: not cached, nothing to update", customer_id)

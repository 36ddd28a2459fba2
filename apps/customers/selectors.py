"""Queries of the customers context (API, admin, the open-host `contracts.get_customer`)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from .domain import CustomerNotFound
from .models import Customer


def customer_find(*, customer_id: str) -> Customer | None:
    """The customer, or None when there is none with this id (or the id is no UUID at all)."""
    try:
        key = uuid.UUID(str(customer_id))
    except ValueError:
        return None
    return Customer.objects.filter(pk=key).first()


def customer_get(*, customer_id: str) -> Customer:
    customer = customer_find(customer_id=customer_id)
    if customer is None:
        raise CustomerNotFound()
    return customer


def customer_list() -> QuerySet[Customer]:
    """Every customer, newest first."""
    return Customer.objects.order_by("-created_at", "id")


def customer_names(*, customer_ids: list[str]) -> dict[str, str]:
    """{id: name} of the customers among `customer_ids` (ids that are no UUID are skipped)."""
    keys = []
    for customer_id in customer_ids:
        try:
            keys.append(uuid.UUID(str(customer_id)))
        except ValueError:
            continue
    return {str(pk): name for pk, name in Customer.objects.filter(pk__in=keys).values_list("pk", "name")}


def customer_ids_named(*, text: str, limit: int = 500) -> list[str]:
    """Ids of the customers whose name contains `text` (any case), at most `limit`."""
    rows = Customer.objects.filter(name__icontains=text).order_by("name", "id").values_list("pk", flat=True)
    return [str(pk) for pk in rows[:limit]]

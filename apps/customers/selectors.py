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

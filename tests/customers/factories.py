"""Customers made the way the system makes them: through the services."""

from __future__ import annotations

from typing import Any

import factory

from apps.customers import selectors, services
from apps.customers.models import Customer


class CustomerFactory(factory.Factory):
    """Registers a customer (disabling it when `enabled=False`) and returns its row."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    sms_number = factory.Sequence(lambda n: f"555-{n // 10000 % 1000:03d}-{n % 10000:04d}")
    enabled = True

    @classmethod
    def _create(cls, model_class: type[Customer], *args: Any, **kwargs: Any) -> Customer:
        customer_id = services.customer_register(name=kwargs["name"], sms_number=kwargs["sms_number"])
        if not kwargs["enabled"]:
            services.customer_disable(customer_id=customer_id)
        return selectors.customer_get(customer_id=customer_id)

"""Notifications data made the way the system makes it: through the services."""

from __future__ import annotations

import uuid
from typing import Any

import factory

from apps.notifications import selectors, services
from apps.notifications.models import CustomerCache


def new_id() -> str:
    return str(uuid.uuid4())


class CachedCustomerFactory(factory.Factory):
    """A customer as a handled CustomerRegistered leaves it in the cache."""

    class Meta:
        model = CustomerCache

    id = factory.LazyFunction(new_id)
    name = factory.Sequence(lambda n: f"Customer {n}")
    sms_number = factory.Sequence(lambda n: f"555-{n // 10000 % 1000:03d}-{n % 10000:04d}")

    @classmethod
    def _create(cls, model_class: type[CustomerCache], *args: Any, **kwargs: Any) -> CustomerCache:
        services.customer_cache_add(
            customer_id=kwargs["id"], name=kwargs["name"], sms_number=kwargs["sms_number"]
        )
        found = selectors.customer_cache_find(customer_id=kwargs["id"])
        assert found is not None
        return found

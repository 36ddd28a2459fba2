"""Published language of the customers context."""

from __future__ import annotations

from dataclasses import dataclass

from mallbots.kernel.messaging.api import Command, IntegrationEvent

from . import selectors


@dataclass(frozen=True)
class CustomerRegistered(IntegrationEvent, name="customersapi.CustomerRegistered", producer="customers"):
    id: str
    name: str
    sms_number: str


@dataclass(frozen=True)
class CustomerSmsChanged(IntegrationEvent, name="customersapi.CustomerSmsChanged", producer="customers"):
    id: str
    sms_number: str


@dataclass(frozen=True)
class CustomerEnabled(IntegrationEvent, name="customersapi.CustomerEnabled", producer="customers"):
    id: str


@dataclass(frozen=True)
class CustomerDisabled(IntegrationEvent, name="customersapi.CustomerDisabled", producer="customers"):
    id: str


@dataclass(frozen=True)
class CustomerAuthorized(
    IntegrationEvent, name="customersapi.CustomerAuthorized", producer="customers", partition_by="order_id"
):
    """Create-order saga: the customer may place this order."""

    id: str  # the customer id
    order_id: str


@dataclass(frozen=True)
class CustomerAuthorizationFailed(
    IntegrationEvent,
    name="customersapi.CustomerAuthorizationFailed",
    producer="customers",
    partition_by="order_id",
):
    id: str  # the customer id
    order_id: str
    reason: str


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str
    sms_number: str
    enabled: bool


def get_customer(customer_id: str) -> CustomerInfo | None:
    """The customer, or None when there is no such customer."""
    customer = selectors.customer_find(customer_id=customer_id)
    if customer is None:
        return None
    return CustomerInfo(
        id=str(customer.id), name=customer.name, sms_number=customer.sms_number, enabled=customer.enabled
    )


def customer_names(customer_ids: list[str]) -> dict[str, str]:
    """{id: name} of the known customers among `customer_ids`, in one query: for showing names
    beside ids (unknown ids are left out)."""
    from . import selectors

    return selectors.customer_names(customer_ids=customer_ids)


def customer_ids_named(text: str, limit: int = 500) -> list[str]:
    """Ids of the customers whose name contains `text` (any case): for searching by name."""
    from . import selectors

    return selectors.customer_ids_named(text=text, limit=limit)


# --- Commands (the orchestrated create-order saga, docs/saga.md) ------------------------------


@dataclass(frozen=True)
class AuthorizeCustomer(
    Command, name="customersapi.AuthorizeCustomer", owner="customers", partition_by="order_id"
):
    """May the customer place this order? Succeeded, or Failed with the reason (unknown or
    disabled customer). Success also publishes CustomerAuthorized; a refusal records nothing."""

    customer_id: str
    order_id: str

"""The Customer aggregate: state-stored (one row per customer), recording domain events that
the repository dispatches after saving it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mallbots.kernel.ddd import (
    Aggregate,
    DomainEvent,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unauthenticated,
    limits,
)

# --- Errors (messages of the original where it had one) -----------------------------------


class CustomerNotFound(NotFound):
    default_message = "the customer was not found"


class CustomerIdBlank(InvalidArgument):
    default_message = "the customer id cannot be blank"


class CustomerNameBlank(InvalidArgument):
    default_message = "the customer name cannot be blank"


class SmsNumberBlank(InvalidArgument):
    default_message = "the SMS number cannot be blank"


class SmsNumberInvalid(InvalidArgument):
    default_message = "the SMS number is not valid"


class CustomerNameTooLong(InvalidArgument):
    default_message = f"the customer name cannot be longer than {limits.NAME_MAX_LENGTH} characters"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "name", "description": self.default_message}])


class CustomerAlreadyEnabled(FailedPrecondition):
    default_message = "the customer is already enabled"


class CustomerAlreadyDisabled(FailedPrecondition):
    default_message = "the customer is already disabled"


class CustomerNotAuthorized(Unauthenticated):
    default_message = "customer is not authorized"


# --- Domain events --------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerRegistered(DomainEvent, name="customers.CustomerRegistered"):
    customer_id: str
    name: str
    sms_number: str


@dataclass(frozen=True)
class CustomerSmsChanged(DomainEvent, name="customers.CustomerSmsChanged"):
    customer_id: str
    sms_number: str


@dataclass(frozen=True)
class CustomerEnabled(DomainEvent, name="customers.CustomerEnabled"):
    customer_id: str


@dataclass(frozen=True)
class CustomerDisabled(DomainEvent, name="customers.CustomerDisabled"):
    customer_id: str


@dataclass(frozen=True)
class CustomerAuthorized(DomainEvent, name="customers.CustomerAuthorized"):
    customer_id: str
    order_id: str = ""  # set when the authorization is for an order (the create-order saga)


@dataclass(frozen=True)
class CustomerAuthorizationRefused(DomainEvent, name="customers.CustomerAuthorizationRefused"):
    """The create-order saga asked for an order this customer may not place (unknown or
    disabled): an outcome of the saga, not an error."""

    customer_id: str
    order_id: str
    reason: str


# --- SMS numbers ------------------------------------------------------------------------------

SMS_NUMBER_MAX_LENGTH = limits.SMS_NUMBER_MAX_LENGTH
# Digits with an optional leading "+", and the separators people type: spaces, dashes, dots,
# parentheses. E.164 allows at most 15 digits; fewer than 7 is no reachable number.
_SMS_CHARACTERS = re.compile(r"\+?[0-9 ().-]+")
_SMS_MIN_DIGITS, _SMS_MAX_DIGITS = 7, 15


def clean_sms_number(value: str) -> str:
    """The SMS number without surrounding blanks, or an error saying why it is unusable."""
    value = value.strip()
    if not value:
        raise SmsNumberBlank()
    digits = sum(c.isdigit() for c in value)
    if (
        len(value) > SMS_NUMBER_MAX_LENGTH
        or not _SMS_CHARACTERS.fullmatch(value)
        or not _SMS_MIN_DIGITS <= digits <= _SMS_MAX_DIGITS
    ):
        raise SmsNumberInvalid()
    return value


# --- The aggregate ----------------------------------------------------------------------------


class Customer(Aggregate):
    """A registered customer of the mall. Enabled on registration; only enabled customers are
    authorized to order."""

    stream_type = "customers.Customer"

    def __init__(self, id: str, name: str, sms_number: str, enabled: bool = True) -> None:
        super().__init__(id)
        self.name = name
        self.sms_number = sms_number
        self.enabled = enabled
        self.known = True

    @classmethod
    def unknown(cls, id: str) -> Customer:
        """What an id no customer has stands for: it can only refuse an order, and is never
        stored (its repository only dispatches what it records)."""
        customer = cls(id, "", "", enabled=False)
        customer.known = False
        return customer

    @classmethod
    def register(cls, id: str, name: str, sms_number: str) -> Customer:
        if not id.strip():
            raise CustomerIdBlank()
        name = name.strip()
        if not name:
            raise CustomerNameBlank()
        if limits.too_long(name, limits.NAME_MAX_LENGTH):
            raise CustomerNameTooLong()
        customer = cls(id, name, clean_sms_number(sms_number), enabled=True)
        customer.record(CustomerRegistered(customer_id=id, name=name, sms_number=customer.sms_number))
        return customer

    def change_sms_number(self, sms_number: str) -> None:
        sms_number = clean_sms_number(sms_number)
        if sms_number == self.sms_number:
            return  # nothing changed, nothing to tell anyone
        self.sms_number = sms_number
        self.record(CustomerSmsChanged(customer_id=self.id, sms_number=sms_number))

    def enable(self) -> None:
        if self.enabled:
            raise CustomerAlreadyEnabled()
        self.enabled = True
        self.record(CustomerEnabled(customer_id=self.id))

    def disable(self) -> None:
        if not self.enabled:
            raise CustomerAlreadyDisabled()
        self.enabled = False
        self.record(CustomerDisabled(customer_id=self.id))

    def authorize(self, order_id: str = "") -> None:
        if not self.enabled:
            raise CustomerNotAuthorized()
        self.record(CustomerAuthorized(customer_id=self.id, order_id=order_id))

    def authorize_order(self, order_id: str) -> None:
        """The create-order saga's step: the customer is authorized for the order, or refuses it
        with the reason (CustomerAuthorizationRefused) when unknown or disabled."""
        if self.known and self.enabled:
            self.authorize(order_id=order_id)
            return
        reason = CustomerNotAuthorized.default_message if self.known else CustomerNotFound.default_message
        self.record(CustomerAuthorizationRefused(customer_id=self.id, order_id=order_id, reason=reason))

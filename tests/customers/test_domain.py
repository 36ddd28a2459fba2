"""The Customer aggregate alone: no database, no Django."""

from __future__ import annotations

import pytest

from apps.customers.domain import (
    Customer,
    CustomerAlreadyDisabled,
    CustomerAlreadyEnabled,
    CustomerAuthorized,
    CustomerDisabled,
    CustomerEnabled,
    CustomerIdBlank,
    CustomerNameBlank,
    CustomerNotAuthorized,
    CustomerNotFound,
    CustomerRegistered,
    CustomerSmsChanged,
    SmsNumberBlank,
    SmsNumberInvalid,
    clean_sms_number,
)

pytestmark = pytest.mark.unit

ID = "0b7f3c52-9d0e-4c1a-8f5e-3a2b1c0d9e8f"


def registered(enabled: bool = True) -> Customer:
    customer = Customer(ID, "Ada", "555-555-1212", enabled=enabled)
    customer.version = 1
    return customer


def state(customer: Customer) -> tuple[str, str, bool, tuple[object, ...]]:
    return customer.name, customer.sms_number, customer.enabled, customer.pending_events


# --- register ---------------------------------------------------------------------------------


def test_register_makes_an_enabled_customer_and_records_it():
    # when
    customer = Customer.register(ID, "  Ada Lovelace ", " 555-555-1212 ")
    # then
    assert (customer.id, customer.name, customer.sms_number, customer.enabled) == (
        ID,
        "Ada Lovelace",
        "555-555-1212",
        True,
    )
    assert customer.pending_events == (
        CustomerRegistered(customer_id=ID, name="Ada Lovelace", sms_number="555-555-1212"),
    )


@pytest.mark.parametrize(
    ("customer_id", "name", "sms_number", "error", "message"),
    [
        ("", "Ada", "555-555-1212", CustomerIdBlank, "the customer id cannot be blank"),
        ("  ", "Ada", "555-555-1212", CustomerIdBlank, "the customer id cannot be blank"),
        (ID, "", "555-555-1212", CustomerNameBlank, "the customer name cannot be blank"),
        (ID, " \t", "555-555-1212", CustomerNameBlank, "the customer name cannot be blank"),
        (ID, "Ada", "", SmsNumberBlank, "the SMS number cannot be blank"),
        (ID, "Ada", "   ", SmsNumberBlank, "the SMS number cannot be blank"),
        (ID, "Ada", "call me", SmsNumberInvalid, "the SMS number is not valid"),
    ],
)
def test_register_refuses_blank_or_invalid_values(customer_id, name, sms_number, error, message):
    # when
    with pytest.raises(error) as raised:
        Customer.register(customer_id, name, sms_number)
    # then
    assert raised.value.message == message
    assert raised.value.code == 3  # invalid argument: HTTP 400


# --- SMS numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "555-555-1212",  # what the original's own client sends
        "5555551212",
        "+1 (555) 555-1212",
        "+44 20 7946 0958",
        "555.555.1212",
        "555 1212",  # 7 digits, the fewest
        "+123456789012345",  # 15 digits, the most
    ],
)
def test_sane_phone_numbers_are_accepted_as_typed(number):
    assert clean_sms_number(f" {number} ") == number


@pytest.mark.parametrize(
    "number",
    [
        "555-121",  # 6 digits
        "+1234567890123456",  # 16 digits
        "555-555-1212 ext 3",
        "555_555_1212",
        "1+5555551212",
        "++15555551212",
        "+",
        "(((((((((((((555))))))))))))) 5551212",  # over 32 characters
        "\uff15\uff15\uff15\uff15\uff15\uff15\uff15\uff11\uff12\uff11\uff12",  # fullwidth digits
    ],
)
def test_other_sms_numbers_are_not_valid(number):
    with pytest.raises(SmsNumberInvalid) as raised:
        clean_sms_number(number)
    assert raised.value.message == "the SMS number is not valid"


# --- change the SMS number ----------------------------------------------------------------


def test_change_sms_number_records_the_new_number():
    # given
    customer = registered()
    # when
    customer.change_sms_number(" +1 (555) 555-0199 ")
    # then
    assert customer.sms_number == "+1 (555) 555-0199"
    assert customer.pending_events == (CustomerSmsChanged(customer_id=ID, sms_number="+1 (555) 555-0199"),)


def test_changing_to_the_same_number_records_nothing():
    # given
    customer = registered()
    # when
    customer.change_sms_number("555-555-1212 ")
    # then
    assert state(customer) == ("Ada", "555-555-1212", True, ())


@pytest.mark.parametrize(
    ("number", "error", "message"),
    [
        ("", SmsNumberBlank, "the SMS number cannot be blank"),
        ("12", SmsNumberInvalid, "the SMS number is not valid"),
    ],
)
def test_change_sms_number_refuses_bad_numbers_and_changes_nothing(number, error, message):
    # given
    customer = registered()
    # when
    with pytest.raises(error) as raised:
        customer.change_sms_number(number)
    # then
    assert raised.value.message == message
    assert state(customer) == ("Ada", "555-555-1212", True, ())


# --- enable / disable -------------------------------------------------------------------------


def test_disable_then_enable():
    # given
    customer = registered()
    # when
    customer.disable()
    disabled = customer.enabled
    customer.enable()
    # then
    assert (disabled, customer.enabled) == (False, True)
    assert customer.pending_events == (CustomerDisabled(customer_id=ID), CustomerEnabled(customer_id=ID))


def test_an_enabled_customer_cannot_be_enabled_again():
    # given
    customer = registered(enabled=True)
    # when
    with pytest.raises(CustomerAlreadyEnabled) as raised:
        customer.enable()
    # then
    assert (raised.value.message, raised.value.code) == ("the customer is already enabled", 9)
    assert state(customer) == ("Ada", "555-555-1212", True, ())


def test_a_disabled_customer_cannot_be_disabled_again():
    # given
    customer = registered(enabled=False)
    # when
    with pytest.raises(CustomerAlreadyDisabled) as raised:
        customer.disable()
    # then
    assert (raised.value.message, raised.value.code) == ("the customer is already disabled", 9)
    assert state(customer) == ("Ada", "555-555-1212", False, ())


# --- authorize --------------------------------------------------------------------------------


def test_an_enabled_customer_is_authorized():
    # given
    customer = registered(enabled=True)
    # when
    customer.authorize()
    # then
    assert state(customer) == ("Ada", "555-555-1212", True, (CustomerAuthorized(customer_id=ID),))


def test_a_disabled_customer_is_not_authorized():
    # given
    customer = registered(enabled=False)
    # when
    with pytest.raises(CustomerNotAuthorized) as raised:
        customer.authorize()
    # then
    assert (raised.value.message, raised.value.code) == ("customer is not authorized", 16)
    assert state(customer) == ("Ada", "555-555-1212", False, ())


def test_not_found_speaks_of_the_customer():
    assert (CustomerNotFound().message, CustomerNotFound.code) == ("the customer was not found", 5)


def test_event_names_are_stable():
    assert [
        e.event_name
        for e in (
            CustomerRegistered,
            CustomerSmsChanged,
            CustomerEnabled,
            CustomerDisabled,
            CustomerAuthorized,
        )
    ] == [
        "customers.CustomerRegistered",
        "customers.CustomerSmsChanged",
        "customers.CustomerEnabled",
        "customers.CustomerDisabled",
        "customers.CustomerAuthorized",
    ]

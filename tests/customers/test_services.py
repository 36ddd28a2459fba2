"""Customer commands on real PostgreSQL: the row, the domain events, the outbox rows."""

from __future__ import annotations

import uuid

import pytest

from apps.customers import contracts, services
from apps.customers.domain import (
    CustomerAlreadyDisabled,
    CustomerAlreadyEnabled,
    CustomerAuthorized,
    CustomerDisabled,
    CustomerEnabled,
    CustomerNameBlank,
    CustomerNotAuthorized,
    CustomerNotFound,
    CustomerRegistered,
    CustomerSmsChanged,
    SmsNumberBlank,
    SmsNumberInvalid,
)
from apps.customers.models import Customer
from mallbots.kernel.ddd import context
from mallbots.kernel.messaging.models import StreamMessage
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def row(customer_id: object) -> tuple[str, str, bool, int]:
    c = Customer.objects.get(pk=customer_id)
    return c.name, c.sms_number, c.enabled, c.version


def outbox(customer_id: object) -> list[tuple[str, dict[str, object]]]:
    return [
        (m.name, m.payload)
        for m in StreamMessage.objects.filter(partition_key=str(customer_id)).order_by("position")
    ]


# --- register ---------------------------------------------------------------------------------


def test_register_stores_an_enabled_customer_and_publishes_it(recorded):
    # when
    with context.use(correlation_id="corr-1", actor="kiosk-7"):
        customer_id = services.customer_register(name="Ada Lovelace", sms_number="555-555-1212")
    # then
    assert str(uuid.UUID(customer_id, version=4)) == customer_id
    assert row(customer_id) == ("Ada Lovelace", "555-555-1212", True, 1)
    message = StreamMessage.objects.get(partition_key=customer_id)
    assert (message.name, message.version, message.producer, message.correlation_id, message.metadata) == (
        "customersapi.CustomerRegistered",
        1,
        "customers",
        "corr-1",
        {"actor": "kiosk-7"},
    )
    assert message.payload == {"id": customer_id, "name": "Ada Lovelace", "sms_number": "555-555-1212"}
    assert [(r.event, r.stream_type, r.stream_id, r.version) for r in recorded] == [
        (
            CustomerRegistered(customer_id=customer_id, name="Ada Lovelace", sms_number="555-555-1212"),
            "customers.Customer",
            customer_id,
            1,
        )
    ]


@pytest.mark.parametrize(
    ("name", "sms_number", "error", "message"),
    [
        (" ", "555-555-1212", CustomerNameBlank, "the customer name cannot be blank"),
        ("Ada", "", SmsNumberBlank, "the SMS number cannot be blank"),
        ("Ada", "555-1", SmsNumberInvalid, "the SMS number is not valid"),
    ],
)
def test_register_refuses_bad_input_and_stores_nothing(recorded, name, sms_number, error, message):
    # when
    with pytest.raises(error) as raised:
        services.customer_register(name=name, sms_number=sms_number)
    # then
    assert raised.value.message == message
    assert Customer.objects.count() == 0
    assert StreamMessage.objects.count() == 0
    assert recorded == []


# --- change the SMS number ----------------------------------------------------------------


def test_change_sms_number_updates_the_row_and_publishes_the_change(recorded):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    services.customer_change_sms_number(customer_id=str(customer.pk), sms_number="+1 (555) 555-0199")
    # then
    assert row(customer.pk) == ("Ada", "+1 (555) 555-0199", True, 2)
    assert Customer.objects.get(pk=customer.pk).updated_at > customer.updated_at
    assert outbox(customer.pk)[1:] == [
        ("customersapi.CustomerSmsChanged", {"id": str(customer.pk), "sms_number": "+1 (555) 555-0199"})
    ]
    assert [(r.event, r.version) for r in recorded[1:]] == [
        (CustomerSmsChanged(customer_id=str(customer.pk), sms_number="+1 (555) 555-0199"), 2)
    ]


def test_changing_to_the_same_number_changes_and_publishes_nothing(recorded):
    # given
    customer = CustomerFactory(sms_number="555-555-1212")
    # when
    services.customer_change_sms_number(customer_id=str(customer.pk), sms_number="555-555-1212")
    # then
    assert Customer.objects.get(pk=customer.pk).version == 1
    assert Customer.objects.get(pk=customer.pk).updated_at == customer.updated_at
    assert [name for name, _ in outbox(customer.pk)] == ["customersapi.CustomerRegistered"]
    assert len(recorded) == 1


def test_change_sms_number_refuses_an_invalid_number_and_changes_nothing():
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    # when
    with pytest.raises(SmsNumberInvalid):
        services.customer_change_sms_number(customer_id=str(customer.pk), sms_number="not a number")
    # then
    assert row(customer.pk) == ("Ada", "555-555-1212", True, 1)
    assert [name for name, _ in outbox(customer.pk)] == ["customersapi.CustomerRegistered"]


# --- enable / disable -------------------------------------------------------------------------


def test_disable_and_enable_update_the_row_and_publish(recorded):
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212")
    customer_id = str(customer.pk)
    # when
    services.customer_disable(customer_id=customer_id)
    after_disable = row(customer_id)
    services.customer_enable(customer_id=customer_id)
    # then
    assert after_disable == ("Ada", "555-555-1212", False, 2)
    assert row(customer_id) == ("Ada", "555-555-1212", True, 3)
    assert outbox(customer_id)[1:] == [
        ("customersapi.CustomerDisabled", {"id": customer_id}),
        ("customersapi.CustomerEnabled", {"id": customer_id}),
    ]
    assert [(r.event, r.version) for r in recorded[1:]] == [
        (CustomerDisabled(customer_id=customer_id), 2),
        (CustomerEnabled(customer_id=customer_id), 3),
    ]


def test_disabling_a_disabled_customer_fails_and_changes_nothing():
    # given
    customer = CustomerFactory(enabled=False)
    outbox_before = outbox(customer.pk)
    # when
    with pytest.raises(CustomerAlreadyDisabled) as raised:
        services.customer_disable(customer_id=str(customer.pk))
    # then
    assert raised.value.message == "the customer is already disabled"
    assert row(customer.pk)[2:] == (False, 2)
    assert outbox(customer.pk) == outbox_before


def test_enabling_an_enabled_customer_fails_and_changes_nothing():
    # given
    customer = CustomerFactory()
    # when
    with pytest.raises(CustomerAlreadyEnabled) as raised:
        services.customer_enable(customer_id=str(customer.pk))
    # then
    assert raised.value.message == "the customer is already enabled"
    assert row(customer.pk)[2:] == (True, 1)
    assert [name for name, _ in outbox(customer.pk)] == ["customersapi.CustomerRegistered"]


# --- authorize --------------------------------------------------------------------------------


def test_authorize_an_enabled_customer_records_it_without_writing_anything(recorded):
    # given
    customer = CustomerFactory()
    # when
    services.customer_authorize(customer_id=str(customer.pk))
    # then
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.version, stored.updated_at) == (1, customer.updated_at)
    assert [r.event for r in recorded[1:]] == [CustomerAuthorized(customer_id=str(customer.pk))]
    assert [name for name, _ in outbox(customer.pk)] == ["customersapi.CustomerRegistered"]


def test_a_disabled_customer_is_not_authorized(recorded):
    # given
    customer = CustomerFactory(enabled=False)
    # when
    with pytest.raises(CustomerNotAuthorized) as raised:
        services.customer_authorize(customer_id=str(customer.pk))
    # then
    assert (raised.value.message, raised.value.code) == ("customer is not authorized", 16)
    assert [type(r.event) for r in recorded] == [CustomerRegistered, CustomerDisabled]


# --- unknown customers ----------------------------------------------------------------------

COMMANDS = [
    (services.customer_enable, {}),
    (services.customer_disable, {}),
    (services.customer_authorize, {}),
    (services.customer_change_sms_number, {"sms_number": "555-555-1212"}),
]


@pytest.mark.parametrize("customer_id", [str(uuid.uuid4()), "not-a-uuid", ""])
@pytest.mark.parametrize(("command", "kwargs"), COMMANDS, ids=[c.__name__ for c, _ in COMMANDS])
def test_commands_on_an_unknown_customer_answer_not_found(recorded, command, kwargs, customer_id):
    # when
    with pytest.raises(CustomerNotFound) as raised:
        command(customer_id=customer_id, **kwargs)
    # then
    assert (raised.value.message, raised.value.code) == ("the customer was not found", 5)
    assert StreamMessage.objects.count() == 0
    assert recorded == []


# --- the open-host query ----------------------------------------------------------------------


def test_get_customer_answers_the_published_view_of_a_customer():
    # given
    customer = CustomerFactory(name="Ada", sms_number="555-555-1212", enabled=False)
    # when
    info = contracts.get_customer(str(customer.pk))
    # then
    assert info == contracts.CustomerInfo(
        id=str(customer.pk), name="Ada", sms_number="555-555-1212", enabled=False
    )


@pytest.mark.parametrize("customer_id", [str(uuid.uuid4()), "not-a-uuid", ""])
def test_get_customer_answers_none_for_an_unknown_id(customer_id):
    assert contracts.get_customer(customer_id) is None


def test_customer_names_answers_the_names_of_the_known_ids_only():
    # given
    ada = CustomerFactory(name="Ada")
    grace = CustomerFactory(name="Grace")
    # when
    names = contracts.customer_names([str(ada.pk), str(grace.pk), str(uuid.uuid4()), "not-a-uuid"])
    # then
    assert names == {str(ada.pk): "Ada", str(grace.pk): "Grace"}


def test_customer_ids_named_finds_any_part_of_a_name_in_any_case():
    # given
    ada = CustomerFactory(name="Ada Lovelace")
    CustomerFactory(name="Grace Hopper")
    # when / then
    assert contracts.customer_ids_named("LOVE") == [str(ada.pk)]
    assert contracts.customer_ids_named("nobody") == []

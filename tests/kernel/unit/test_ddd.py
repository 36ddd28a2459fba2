from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import pytest

from mallbots.kernel.ddd import (
    Conflict,
    EventSourcedAggregate,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    UnknownEvent,
    UnknownEventVersion,
    context,
    domain_events,
)
from mallbots.kernel.ddd.events import DomainEvent, EventTypeRegistry
from mallbots.kernel.ddd.serde import ValidationError, from_data, to_data
from tests.kernelapp.domain import Ledger, LedgerCredited, LedgerOpened

pytestmark = pytest.mark.unit


def test_aggregate_records_and_applies_events():
    # given
    ledger = Ledger.open("l-1", "Coffee")
    # when
    ledger.credit(Decimal("2.50"), note="first")
    ledger.credit(Decimal("1.25"))
    # then
    assert ledger.balance == Decimal("3.75")
    assert ledger.entries == 2
    assert ledger.version == 0
    assert ledger.pending_version == 3
    assert [type(e) for e in ledger.pending_events] == [LedgerOpened, LedgerCredited, LedgerCredited]


def test_failed_command_records_nothing():
    # given
    ledger = Ledger.open("l-1", "Coffee")
    ledger.clear_events()
    # when
    with pytest.raises(InvalidArgument, match="the amount must be positive"):
        ledger.credit(Decimal("0"))
    # then
    assert ledger.pending_events == ()
    assert ledger.balance == Decimal("0")


def test_closed_ledger_refuses_credit_with_failed_precondition():
    ledger = Ledger.open("l-1", "Coffee")
    ledger.close()
    with pytest.raises(FailedPrecondition) as caught:
        ledger.credit(Decimal("1"))
    assert caught.value.code == 9
    assert caught.value.message == "the ledger is closed"


def test_error_families_have_grpc_codes():
    assert [InvalidArgument.code, NotFound.code, FailedPrecondition.code, Conflict.code] == [3, 5, 9, 10]
    assert str(InvalidArgument("the store name cannot be blank")) == "the store name cannot be blank"
    assert NotFound().message == "not found"


def test_events_may_have_fields_called_name_and_version():
    @dataclass(frozen=True)
    class Renamed(DomainEvent, name="unittest.Renamed", version=3):
        name: str
        version: int

    event = Renamed(name="new", version=7)
    assert (event.name, event.version) == ("new", 7)
    assert (Renamed.event_name, Renamed.event_version) == ("unittest.Renamed", 3)
    assert domain_events.get("unittest.Renamed") is Renamed


def test_upcaster_chain_brings_old_data_to_the_current_version():
    # given a registry where v1 -> v2 -> v3
    registry = EventTypeRegistry("test event")

    @dataclass(frozen=True)
    class Thing:
        event_version = 3
        label: str
        size: int

    registry.add("t.Thing", Thing)
    registry.add_upcaster("t.Thing", 1, lambda d: {"label": d["title"]})
    registry.add_upcaster("t.Thing", 2, lambda d: {**d, "size": 1})
    # when
    data = registry.upcast("t.Thing", 1, {"title": "old"})
    # then
    assert data == {"label": "old", "size": 1}
    assert registry.upcast("t.Thing", 3, {"label": "x", "size": 2}) == {"label": "x", "size": 2}


def test_upcast_refuses_unknown_versions_and_names():
    registry = EventTypeRegistry("test event")

    @dataclass(frozen=True)
    class Thing:
        event_version = 2
        label: str

    registry.add("t.Thing", Thing)
    with pytest.raises(UnknownEventVersion, match=r"newer than the known v2"):
        registry.upcast("t.Thing", 3, {})
    with pytest.raises(UnknownEventVersion, match=r"no upcaster from t\.Thing v1"):
        registry.upcast("t.Thing", 1, {})
    with pytest.raises(UnknownEvent, match=r"`t\.Other`"):
        registry.get("t.Other")


def test_registering_a_name_twice_for_another_class_fails():
    registry = EventTypeRegistry("test event")

    class A:
        pass

    class B:
        pass

    registry.add("t.A", A)
    with pytest.raises(ValueError, match="already registered"):
        registry.add("t.A", B)


def test_serde_round_trips_decimal_exactly():
    event = LedgerCredited(ledger_id="l-1", amount=Decimal("9.99"), note="n")
    data = to_data(event)
    assert data == {"ledger_id": "l-1", "amount": "9.99", "note": "n"}
    assert from_data(LedgerCredited, data) == event


def test_serde_rejects_bad_payloads():
    with pytest.raises(ValidationError):
        from_data(LedgerCredited, {"ledger_id": "l-1", "amount": "lots"})


def test_message_context_nests_and_inherits():
    outside = context.peek()
    with context.use(correlation_id="c-1", actor="alice") as outer:
        assert context.current() == outer
        with context.use(causation_id="m-9") as inner:
            assert (inner.correlation_id, inner.causation_id, inner.actor) == ("c-1", "m-9", "alice")
        assert context.current().causation_id is None
    assert context.peek() is outside
    assert context.current().correlation_id != "c-1"


def test_relay_envelope_has_exactly_the_envelope_fields():
    import dataclasses
    from datetime import UTC, datetime

    from mallbots.kernel.messaging.envelope import Envelope
    from mallbots.kernel.messaging.fanout import envelope_of

    row = (7, "m-1", "x.Y", 1, "k", "c", None, '{"a": 1}', "{}", datetime(2026, 1, 1, tzinfo=UTC), "p", 3)
    built = envelope_of(row)
    assert set(built) == {f.name for f in dataclasses.fields(Envelope)}
    envelope = Envelope.from_dict(built)
    assert (envelope.payload, envelope.producer, envelope.stream_position) == ({"a": 1}, "p", 3)


# --- The default snapshot (serde, from the class annotations) ------------------------------


class Shade(StrEnum):
    DARK = "dark"
    LIGHT = "light"


@dataclass(frozen=True)
class Swatch:
    name: str
    price: Decimal


class Palette(EventSourcedAggregate):
    stream_type = "kerneltest.Palette"
    snapshot_fields = ("shade", "swatches", "label")
    shade: Shade
    swatches: tuple[Swatch, ...]
    label: str

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.shade = Shade.DARK
        self.swatches = ()
        self.label = "untitled"
        self.loaded = "not in the snapshot"


def test_the_default_snapshot_converts_each_field_from_its_annotation():
    # given
    palette = Palette("p-1")
    palette.shade, palette.swatches = Shade.LIGHT, (Swatch("Sand", Decimal("2.50")),)
    # when
    state = palette.snapshot()
    restored = Palette.restore("p-1", state)
    # then the state is JSON-friendly, and restores to equal values of the declared types
    assert state == {"shade": "light", "swatches": [{"name": "Sand", "price": "2.50"}], "label": "untitled"}
    assert (restored.id, restored.shade, restored.swatches) == ("p-1", Shade.LIGHT, palette.swatches)
    assert isinstance(restored.swatches[0].price, Decimal)


def test_a_field_an_older_snapshot_lacks_keeps_its_initial_value():
    # when a snapshot written before `label` existed is restored
    restored = Palette.restore("p-1", {"shade": "light", "swatches": []})
    # then
    assert (restored.shade, restored.label) == (Shade.LIGHT, "untitled")


def test_a_snapshot_that_does_not_fit_the_declared_types_is_refused():
    with pytest.raises(ValidationError):
        Palette.restore("p-1", {"shade": "purple", "swatches": []})


def test_an_aggregate_without_snapshot_fields_takes_no_snapshots():
    class Plain(EventSourcedAggregate):
        stream_type = "kerneltest.Plain"

    assert Plain("x").snapshot() is None
    with pytest.raises(NotImplementedError):
        Plain.restore("x", {})


def test_a_snapshot_field_without_an_annotation_is_a_clear_error():
    class Careless(EventSourcedAggregate):
        stream_type = "kerneltest.Careless"
        snapshot_fields = ("colour",)

    with pytest.raises(
        TypeError, match=r"Careless.snapshot_fields names unannotated attributes: \['colour'\]"
    ):
        Careless("x").snapshot()

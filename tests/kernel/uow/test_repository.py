"""The kernel's repository of state-stored aggregates, on a row of the kernel's test app: loading
locks and maps the row, adding inserts at version 1, saving writes only a changed state, and
both dispatch the recorded events numbered after the version the aggregate was loaded at."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction

from mallbots.kernel.ddd import Aggregate, DomainEvent, NotFound
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.uow import Recorded, StateStoredRepository, domain_event
from tests.kernelapp import models

pytestmark = pytest.mark.integration


class TallyNotFound(NotFound):
    default_message = "the tally was not found"


@dataclass(frozen=True)
class TallyStarted(DomainEvent, name="kerneltest.TallyStarted"):
    tally_id: str
    name: str


@dataclass(frozen=True)
class TallyCounted(DomainEvent, name="kerneltest.TallyCounted"):
    tally_id: str
    count: int


@dataclass(frozen=True)
class TallyLookedAt(DomainEvent, name="kerneltest.TallyLookedAt"):
    tally_id: str


class Tally(Aggregate):
    stream_type = "kerneltest.Tally"

    def __init__(self, id: str, name: str, count: int = 0) -> None:
        super().__init__(id)
        self.name = name
        self.count = count

    @classmethod
    def start(cls, id: str, name: str) -> Tally:
        tally = cls(id, name)
        tally.record(TallyStarted(tally_id=id, name=name))
        return tally

    def add_one(self) -> None:
        self.count += 1
        self.record(TallyCounted(tally_id=self.id, count=self.count))

    def look(self) -> None:
        """Records without changing the state."""
        self.record(TallyLookedAt(tally_id=self.id))


class TallyRepository(StateStoredRepository[Tally]):
    model = models.Tally
    stream_type = Tally.stream_type
    not_found = TallyNotFound

    def to_aggregate(self, row: models.Tally) -> Tally:
        return Tally(row.id, row.name, row.count)

    def state(self, tally: Tally) -> dict[str, Any]:
        return {"count": tally.count}

    def creation_state(self, tally: Tally) -> dict[str, Any]:
        return {"name": tally.name, **self.state(tally)}


class CorrelatedTallyRepository(TallyRepository):
    def correlation_id(self, tally: Tally) -> str:
        return f"tally-{tally.name}"


tallies = TallyRepository()


@pytest.fixture
def dispatched() -> Iterator[list[Recorded]]:
    records: list[Recorded] = []

    def collect(sender: type, record: Recorded, **kwargs: Any) -> None:
        records.append(record)

    for event_type in (TallyStarted, TallyCounted, TallyLookedAt):
        domain_event.connect(
            collect, sender=event_type, weak=False, dispatch_uid=f"test-{event_type.__name__}"
        )
    yield records
    for event_type in (TallyStarted, TallyCounted, TallyLookedAt):
        domain_event.disconnect(sender=event_type, dispatch_uid=f"test-{event_type.__name__}")


def new_id() -> str:
    return str(uuid.uuid4())


def summary(records: list[Recorded]) -> list[tuple[str, str, str, int]]:
    return [(type(r.event).__name__, r.stream_type, r.stream_id, r.version) for r in records]


@pytest.mark.django_db
def test_add_inserts_the_row_at_version_1_and_dispatches_its_events(dispatched):
    # given
    tally_id = new_id()
    tally = Tally.start(tally_id, "visitors")
    # when
    with message_context.use(correlation_id="corr-add", actor="alice"):
        added = tallies.add(tally)
    # then
    assert added is True
    row = models.Tally.objects.get(pk=tally_id)
    assert (row.name, row.count, row.version) == ("visitors", 0, 1)
    assert (tally.version, tally.pending_events) == (1, ())
    assert summary(dispatched) == [("TallyStarted", "kerneltest.Tally", tally_id, 1)]
    assert dispatched[0].event == TallyStarted(tally_id=tally_id, name="visitors")
    assert dispatched[0].metadata == {"correlation_id": "corr-add", "causation_id": None, "actor": "alice"}


@pytest.mark.django_db
def test_get_for_update_maps_the_row_and_its_version():
    # given
    tally_id = new_id()
    models.Tally.objects.create(id=tally_id, name="doors", count=7, version=4)
    # when
    tally = tallies.get_for_update(tally_id)
    # then
    assert (tally.id, tally.name, tally.count, tally.version, tally.pending_events) == (
        tally_id,
        "doors",
        7,
        4,
        (),
    )


@pytest.mark.django_db
def test_an_unknown_id_is_none_or_the_repositorys_not_found():
    # given
    unknown = new_id()
    # when
    found = tallies.find_for_update(unknown)
    with pytest.raises(TallyNotFound) as raised:
        tallies.get_for_update(unknown)
    # then
    assert found is None
    assert raised.value.message == "the tally was not found"


@pytest.mark.django_db
def test_save_writes_a_changed_state_bumps_the_version_and_numbers_the_events_after_it(dispatched):
    # given
    tally_id = new_id()
    models.Tally.objects.create(id=tally_id, name="doors", count=7, version=4)
    before = models.Tally.objects.get(pk=tally_id).updated_at
    tally = tallies.get_for_update(tally_id)
    # when
    tally.add_one()
    tally.add_one()
    tallies.save(tally)
    # then
    row = models.Tally.objects.get(pk=tally_id)
    assert (row.count, row.version) == (9, 5)
    assert row.updated_at > before
    assert tally.version == 5
    assert summary(dispatched) == [
        ("TallyCounted", "kerneltest.Tally", tally_id, 5),
        ("TallyCounted", "kerneltest.Tally", tally_id, 6),
    ]
    assert [r.event.count for r in dispatched] == [8, 9]


@pytest.mark.django_db
def test_save_of_an_unchanged_state_leaves_the_row_and_still_dispatches(dispatched):
    # given
    tally_id = new_id()
    models.Tally.objects.create(id=tally_id, name="doors", count=7, version=4)
    before = models.Tally.objects.get(pk=tally_id).updated_at
    tally = tallies.get_for_update(tally_id)
    # when
    tally.look()
    tallies.save(tally)
    # then
    row = models.Tally.objects.get(pk=tally_id)
    assert (row.count, row.version, row.updated_at) == (7, 4, before)
    assert tally.version == 4
    assert summary(dispatched) == [("TallyLookedAt", "kerneltest.Tally", tally_id, 5)]


@pytest.mark.django_db
def test_save_without_events_dispatches_nothing(dispatched):
    # given
    tally_id = new_id()
    models.Tally.objects.create(id=tally_id, name="doors", count=7, version=4)
    tally = tallies.get_for_update(tally_id)
    # when
    tally.count = 8
    tallies.save(tally)
    # then
    assert models.Tally.objects.get(pk=tally_id).version == 5
    assert dispatched == []


@pytest.mark.django_db
def test_add_unless_exists_writes_and_dispatches_nothing_when_a_unique_row_is_there(dispatched):
    # given
    models.Tally.objects.create(id=new_id(), name="visitors", count=3)
    tally = Tally.start(new_id(), "visitors")
    # when
    added = tallies.add(tally, unless_exists=True)
    # then the transaction goes on (a savepoint took the failed insert)
    assert added is False
    assert list(models.Tally.objects.values_list("name", "count")) == [("visitors", 3)]
    assert (tally.version, tally.pending_events) == (0, ())
    assert dispatched == []


@pytest.mark.django_db
def test_add_of_an_existing_row_fails_loudly(dispatched):
    # given
    models.Tally.objects.create(id=new_id(), name="visitors", count=3)
    tally = Tally.start(new_id(), "visitors")
    # when
    with pytest.raises(Exception) as raised, transaction.atomic():
        tallies.add(tally)
    # then
    assert type(raised.value).__name__ == "IntegrityError"
    assert dispatched == []


@pytest.mark.django_db
def test_the_repositorys_correlation_id_is_the_one_its_events_carry(dispatched):
    # given
    tally = Tally.start(new_id(), "visitors")
    # when
    with message_context.use(correlation_id="the-command", causation_id="msg-1"):
        CorrelatedTallyRepository().add(tally)
        outside = message_context.current().correlation_id
    # then
    assert dispatched[0].metadata == {
        "correlation_id": "tally-visitors",
        "causation_id": "msg-1",
        "actor": None,
    }
    assert outside == "the-command"


@pytest.mark.django_db
def test_dispatch_alone_tells_the_receivers_and_writes_nothing(dispatched):
    # given an aggregate that is not stored
    tally = Tally(new_id(), "nobody")
    tally.look()
    # when
    tallies.dispatch(tally, version_before=0)
    # then
    assert summary(dispatched) == [("TallyLookedAt", "kerneltest.Tally", tally.id, 1)]
    assert tally.pending_events == ()
    assert models.Tally.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_loading_for_update_makes_a_concurrent_command_wait_for_the_first():
    # given
    tally_id = new_id()
    models.Tally.objects.create(id=tally_id, name="doors", count=0)
    locked, seen = threading.Event(), []

    def second() -> None:
        locked.wait(5)
        try:
            with transaction.atomic():
                tally = tallies.get_for_update(tally_id)
                seen.append(tally.count)
                tally.add_one()
                tallies.save(tally)
        finally:
            connection.close()

    worker = threading.Thread(target=second)
    worker.start()
    # when the first command holds the row while the second loads it
    with transaction.atomic():
        tally = tallies.get_for_update(tally_id)
        locked.set()
        time.sleep(0.5)
        tally.add_one()
        tallies.save(tally)
    worker.join(10)
    # then the second ran on the state the first left
    assert seen == [1]
    row = models.Tally.objects.get(pk=tally_id)
    assert (row.count, row.version) == (2, 3)

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from mallbots.kernel.ddd import Conflict, context
from mallbots.kernel.eventstore import store
from mallbots.kernel.eventstore.models import Event, Snapshot
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.kernel.uow import domain_event
from tests.conftest import wait_until
from tests.kernelapp import services
from tests.kernelapp.domain import Ledger, LedgerCredited, LedgerNotFound
from tests.kernelapp.models import LedgerView

pytestmark = pytest.mark.integration


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.mark.django_db
def test_a_command_appends_its_events_and_projects_them():
    # given
    ledger_id = new_id()
    # when
    with context.use(correlation_id="corr-1", causation_id="req-1", actor="alice"):
        services.ledger_open(ledger_id=ledger_id, name="Coffee")
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("2.50"))
    # then
    events = list(Event.objects.filter(stream_id=ledger_id).order_by("version"))
    assert [(e.version, e.event_type, e.schema_version) for e in events] == [
        (1, "kerneltest.LedgerOpened", 2),
        (2, "kerneltest.LedgerCredited", 1),
    ]
    assert events[1].data == {"ledger_id": ledger_id, "amount": "2.50", "note": ""}
    assert events[1].metadata == {"correlation_id": "corr-1", "causation_id": "req-1", "actor": "alice"}
    assert events[0].position < events[1].position
    view = LedgerView.objects.get(id=ledger_id)
    assert (view.name, view.balance, view.entries, view.version) == ("Coffee", Decimal("2.50"), 1, 2)
    loaded = services.ledgers.get(ledger_id)
    assert (loaded.version, loaded.balance, loaded.name) == (2, Decimal("2.50"), "Coffee")


@pytest.mark.django_db
def test_all_events_of_one_command_go_in_with_one_insert():
    # given a command that records three events
    ledger = Ledger.open(new_id(), "Tea")
    ledger.credit(Decimal("1"))
    ledger.credit(Decimal("2"))
    # when
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        services.ledgers.save(ledger)
    # then
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO eventstore_event" in q["sql"]]
    assert len(inserts) == 1
    assert Event.objects.filter(stream_id=ledger.id).count() == 3
    assert ledger.version == 3 and ledger.pending_events == ()


@pytest.mark.django_db
def test_unknown_stream_is_not_found_and_creates_nothing():
    missing = new_id()
    with pytest.raises(LedgerNotFound, match="the ledger was not found"):
        services.ledger_credit(ledger_id=missing, amount=Decimal("1"))
    assert not Event.objects.filter(stream_id=missing).exists()
    assert services.ledgers.find(missing) is None


@pytest.mark.django_db
def test_appending_behind_the_stream_raises_a_concurrency_error():
    # given two copies of the same aggregate at version 1
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Shoes")
    first, second = services.ledgers.get(ledger_id), services.ledgers.get(ledger_id)
    first.credit(Decimal("1"))
    second.credit(Decimal("5"))
    with transaction.atomic():
        services.ledgers.save(first)
    # when / then
    with pytest.raises(store.ConcurrencyError), transaction.atomic():
        services.ledgers.save(second)
    assert services.ledgers.get(ledger_id).balance == Decimal("1")


def _race(ledger_id: str, amounts: list[Decimal]) -> list[BaseException | None]:
    """Run one credit per amount in parallel threads, all loading before any saves."""
    barrier = threading.Barrier(len(amounts))
    results: list[BaseException | None] = [None] * len(amounts)
    original_get = services.ledgers.get
    first_load = threading.local()

    def get_then_wait(id: str) -> Ledger:
        ledger = original_get(id)
        if not getattr(first_load, "done", False):
            first_load.done = True
            barrier.wait(5)  # everyone has loaded the same version before anyone saves
        return ledger

    def run(index: int) -> None:
        try:
            services.ledger_credit(ledger_id=ledger_id, amount=amounts[index])
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    services.ledgers.get = get_then_wait  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(amounts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        services.ledgers.get = original_get  # type: ignore[method-assign]
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_one_wins_and_the_other_retries(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 3
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Race")
    # when two commands load version 1 and save at the same time
    results = _race(ledger_id, [Decimal("1"), Decimal("10")])
    # then the loser retried on fresh state: both credits are in, at versions 2 and 3
    assert results == [None, None]
    assert list(Event.objects.filter(stream_id=ledger_id).values_list("version", flat=True)) == [1, 2, 3]
    assert services.ledgers.get(ledger_id).balance == Decimal("11")
    assert LedgerView.objects.get(id=ledger_id).balance == Decimal("11")
    assert StreamMessage.objects.filter(partition_key=ledger_id).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_without_retries_the_loser_gets_conflict(settings):
    # given
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 1
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0  # optimistic concurrency alone
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Race")
    # when
    results = _race(ledger_id, [Decimal("1"), Decimal("10")])
    # then exactly one won; the other changed nothing
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    assert isinstance(next(r for r in results if r is not None), Conflict)
    assert Event.objects.filter(stream_id=ledger_id).count() == 2
    view = LedgerView.objects.get(id=ledger_id)
    assert view.entries == 1 and view.balance in (Decimal("1"), Decimal("10"))
    assert StreamMessage.objects.filter(partition_key=ledger_id).count() == 1


class _StreamHolder:
    """Another command's transaction on a ledger: it credits `amount` (taking the stream's
    lock) and holds the lock, uncommitted, until released."""

    def __init__(self, ledger_id: str, amount: Decimal | None = None) -> None:
        self.holding, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(ledger_id, amount))
        self.thread.start()
        assert self.holding.wait(10)

    def _hold(self, ledger_id: str, amount: Decimal | None) -> None:
        try:
            with transaction.atomic():
                if amount is None:
                    store.wait_for_stream(Ledger.stream_type, ledger_id, timeout=10)
                else:
                    services.ledger_credit(ledger_id=ledger_id, amount=amount)
                self.holding.set()
                self.release.wait(30)
        finally:
            connections.close_all()

    def done(self) -> None:
        self.release.set()
        self.thread.join(10)


def _advisory_lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_command_on_a_busy_aggregate_waits_its_turn_and_then_decides_on_fresh_state(settings):
    # given a command on the ledger holding its stream, and a second one that may not retry
    settings.EVENTSTORE_CONFLICT_ATTEMPTS = 1
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 10
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Queue")
    holder = _StreamHolder(ledger_id, Decimal("1"))
    results: list[BaseException | None] = []

    def credit() -> None:
        try:
            services.ledger_credit(ledger_id=ledger_id, amount=Decimal("10"))
            results.append(None)
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    second = threading.Thread(target=credit)
    second.start()
    wait_until(lambda: _advisory_lock_waiters() == 1)
    # when the first commits
    holder.done()
    second.join(30)
    # then the second ran after it, on the state it left, without a conflict or a retry
    assert results == [None]
    events = Event.objects.filter(stream_id=ledger_id).order_by("version")
    assert [(e.version, e.data.get("amount")) for e in events] == [(1, None), (2, "1"), (3, "10")]
    assert services.ledgers.get(ledger_id).balance == Decimal("11")
    assert LedgerView.objects.get(id=ledger_id).balance == Decimal("11")


@pytest.mark.django_db(transaction=True)
def test_a_command_on_an_aggregate_busy_past_the_wait_is_a_conflict_and_changes_nothing(settings):
    # given a transaction holding the ledger's stream for longer than commands may wait
    settings.EVENTSTORE_STREAM_WAIT_SECONDS = 0.2
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Jam")
    holder = _StreamHolder(ledger_id)
    try:
        # when / then
        with pytest.raises(Conflict, match="the resource was changed concurrently, retry the request"):
            services.ledger_credit(ledger_id=ledger_id, amount=Decimal("3"))
    finally:
        holder.done()
    assert Event.objects.filter(stream_id=ledger_id).count() == 1
    assert not StreamMessage.objects.filter(partition_key=ledger_id).exists()
    # and once the stream is free again, the same command goes through
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("3"))
    assert services.ledgers.get(ledger_id).balance == Decimal("3")


@pytest.mark.django_db
def test_a_failing_receiver_rolls_the_whole_command_back():
    # given
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Fragile")

    def explode(sender, record, **kwargs):
        raise RuntimeError("receiver failed")

    domain_event.connect(explode, sender=LedgerCredited, dispatch_uid="test-explode")
    try:
        # when
        with pytest.raises(RuntimeError, match="receiver failed"):
            services.ledger_credit(ledger_id=ledger_id, amount=Decimal("3"))
    finally:
        domain_event.disconnect(sender=LedgerCredited, dispatch_uid="test-explode")
    # then nothing of the command remains
    assert Event.objects.filter(stream_id=ledger_id).count() == 1
    assert LedgerView.objects.get(id=ledger_id).balance == Decimal("0")
    assert not StreamMessage.objects.filter(partition_key=ledger_id).exists()


@pytest.mark.django_db
def test_snapshot_every_n_events_and_loading_starts_from_it(settings):
    # given snapshots every 5 events
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"kerneltest.Ledger": 5}
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Snap")
    for _ in range(11):
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    # then the latest snapshot is at version 10
    snapshot = Snapshot.objects.get(stream_id=ledger_id)
    assert (snapshot.version, snapshot.schema_version) == (10, 1)
    assert snapshot.state == {"name": "Snap", "owner": "mall", "balance": "9", "entries": 9, "closed": False}
    # when the snapshot says something the events do not, loading shows it was used
    Snapshot.objects.filter(pk=snapshot.pk).update(state={**snapshot.state, "balance": "1000"})
    loaded = services.ledgers.get(ledger_id)
    # then
    assert (loaded.version, loaded.balance, loaded.entries) == (12, Decimal("1002"), 11)


@pytest.mark.django_db
def test_an_outdated_snapshot_is_ignored_not_misread(settings):
    # given a snapshot written with another snapshot schema version
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"kerneltest.Ledger": 2}
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Old")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("4"))
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("4"))
    Snapshot.objects.filter(stream_id=ledger_id).update(schema_version=0, state={"garbage": True})
    # when
    loaded = services.ledgers.get(ledger_id)
    # then the full history was replayed
    assert (loaded.version, loaded.balance) == (3, Decimal("8"))


@pytest.mark.django_db
def test_load_cost_stays_flat_with_snapshots(settings, monkeypatch):
    # given a long stream with snapshots every 50 events
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"kerneltest.Ledger": 50}
    ledger = Ledger.open(new_id(), "Long")
    for _ in range(1000):
        ledger.credit(Decimal("1"))
    with transaction.atomic():
        services.ledgers.save(ledger)  # one save: one snapshot at 1001
    more = services.ledgers.get(ledger.id)
    for _ in range(30):
        more.credit(Decimal("1"))
    with transaction.atomic():
        services.ledgers.save(more)
    applied: list[object] = []
    original = Ledger.apply
    monkeypatch.setattr(Ledger, "apply", lambda self, event: (applied.append(event), original(self, event)))
    # when
    loaded = services.ledgers.get(ledger.id)
    # then only the events after the snapshot were applied
    assert loaded.version == 1031 and loaded.balance == Decimal("1030")
    assert len(applied) == 30


@pytest.mark.django_db
def test_old_event_versions_are_upcast_on_load():
    # given a v1 LedgerOpened stored by an older release (`title`, no owner)
    ledger_id = new_id()
    Event.objects.create(
        stream_type="kerneltest.Ledger",
        stream_id=ledger_id,
        version=1,
        event_type="kerneltest.LedgerOpened",
        schema_version=1,
        data={"ledger_id": ledger_id, "title": "Vintage"},
        metadata={},
    )
    # when
    ledger = services.ledgers.get(ledger_id)
    # then
    assert (ledger.name, ledger.owner, ledger.version) == ("Vintage", "unknown", 1)
    # and new events append after it with the current schema
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("1"))
    assert list(Event.objects.filter(stream_id=ledger_id).values_list("schema_version", flat=True)) == [1, 1]


@pytest.mark.django_db
def test_read_all_returns_events_in_global_order():
    a, b = new_id(), new_id()
    services.ledger_open(ledger_id=a, name="A")
    services.ledger_open(ledger_id=b, name="B")
    services.ledger_credit(ledger_id=a, amount=Decimal("1"))
    events = store.read_all(stream_types=["kerneltest.Ledger"])
    assert [(e.stream_id, e.version) for e in events][-3:] == [(a, 1), (b, 1), (a, 2)]
    assert json.dumps(events[-1].data)  # decoded JSON, not text

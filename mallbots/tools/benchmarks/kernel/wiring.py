"""The benchmark's own bounded context: a counter aggregate (event-sourced), its service, its
projection, the integration event it publishes and the subscriber of it. Wired by the command
rather than in AppConfig.ready(), so that the app stays inert in every other process."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from mallbots.kernel.eventstore.api import AggregateRepository, Projection, handles, register_projection
from mallbots.kernel.messaging.api import Envelope, publish, subscribe
from mallbots.kernel.messaging.registry import subscribers
from mallbots.kernel.uow import Recorded, command, receiver

from ..contracts import CounterIncremented
from ..domain import Counter, Incremented, UnsnapshottedCounter
from ..models import CounterView

STREAM_TYPE = Counter.stream_type
SNAPSHOT_EVERY = 50
HANDLER = "benchmark.on_incremented"
# Not in CELERY_TASK_QUEUES, so no worker (started with or without -Q) consumes it; the
# benchmark deletes it from Redis when it is done.
RELAY_QUEUE = "benchmark"

counters = AggregateRepository(Counter)
unsnapshotted = AggregateRepository(UnsnapshottedCounter)


@command
def increment(counter_id: str) -> None:
    """The measured command: load (or start) a counter, increment it, save it."""
    counter = counters.find(counter_id) or Counter(counter_id)
    counter.increment()
    counters.save(counter)


class CounterProjection(Projection):
    name = "benchmark.counters"
    stream_types = (STREAM_TYPE,)

    @handles(Incremented)
    def incremented(self, record: Recorded) -> None:
        event: Incremented = record.event  # type: ignore[assignment]
        if record.version == 1:
            CounterView.objects.create(id=record.stream_id, value=event.by, version=1)
        else:
            CounterView.objects.filter(id=record.stream_id).update(
                value=F("value") + event.by, version=record.version
            )

    def forget(self, stream_type: str, stream_id: str) -> None:
        CounterView.objects.filter(id=stream_id).delete()


def publish_incremented(record: Recorded) -> None:
    publish(CounterIncremented(counter_id=record.stream_id, value=record.version))


def on_incremented(event: CounterIncremented, envelope: Envelope) -> None:
    """Does nothing: it exists so that every published message has one delivery to relay."""


def wire() -> None:
    """Connect the benchmark's projection, receiver and subscriber. Done by the command rather
    than in AppConfig.ready(), so that the app stays inert in every other process. Idempotent."""
    register_projection(CounterProjection())
    receiver(Incremented)(publish_incremented)
    if not any(s.name == HANDLER for s in subscribers(CounterIncremented.event_name)):
        queues = settings.MESSAGING_CONTEXT_QUEUES
        settings.MESSAGING_CONTEXT_QUEUES = [*queues, RELAY_QUEUE]
        try:
            subscribe(CounterIncremented, on_incremented, name=HANDLER, queue=RELAY_QUEUE)
        finally:
            settings.MESSAGING_CONTEXT_QUEUES = queues

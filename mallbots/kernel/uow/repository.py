"""The repository of state-stored aggregates: one ORM row per aggregate, with a `version` column
that counts the saves that changed the row and an `updated_at` column.

Loading for a command locks the row (`SELECT ... FOR UPDATE`, so only inside a transaction):
concurrent commands on one aggregate run one after the other, each on the state the previous
one left, so a save never loses a race. Adding inserts the row at version 1; saving writes the
row back only when its state changed (bumping the version). Both then dispatch the domain
events the aggregate recorded, numbered after the version it was loaded at, in the same
transaction (`dispatch_events`): a command that only records (an authorization, a refusal)
leaves the row and its version untouched and still tells its receivers.

A context subclasses it once per aggregate with the mapping between the row and the aggregate:

    class BotRepository(StateStoredRepository[Bot]):
        model = models.Bot
        stream_type = Bot.stream_type
        not_found = BotNotFound

        def to_aggregate(self, row: models.Bot) -> Bot: ...
        def state(self, bot: Bot) -> dict[str, Any]: ...          # the columns commands change
        def creation_state(self, bot: Bot) -> dict[str, Any]: ... # the columns of a new row
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar, Generic, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from mallbots.kernel.ddd import Aggregate, NotFound
from mallbots.kernel.ddd import context as message_context

from .events import dispatch_events

A = TypeVar("A", bound=Aggregate)


class StateStoredRepository(Generic[A]):
    model: ClassVar[type[Model]]
    stream_type: ClassVar[str]
    not_found: ClassVar[type[NotFound]]  # what get_for_update raises for an unknown id

    # --- The hooks of a context -----------------------------------------------------------

    def to_aggregate(self, row: Any) -> A:
        """The aggregate of a row (its version is set by the repository)."""
        raise NotImplementedError

    def state(self, aggregate: A) -> dict[str, Any]:
        """The row's columns that the aggregate's commands may change."""
        raise NotImplementedError

    def creation_state(self, aggregate: A) -> dict[str, Any]:
        """The columns of a new row, but its primary key and version."""
        return self.state(aggregate)

    def correlation_id(self, aggregate: A) -> str | None:
        """The correlation id the aggregate's events carry whoever runs the command (an order's
        id for what is about an order); None: the command's own."""
        return None

    # --- Loading ----------------------------------------------------------------------------

    def find_for_update(self, id: str) -> A | None:
        """The aggregate, its row locked until the transaction ends; None when there is none."""
        row: Any = self.model._default_manager.select_for_update().filter(pk=id).first()
        if row is None:
            return None
        aggregate = self.to_aggregate(row)
        aggregate.version = row.version
        return aggregate

    def get_for_update(self, id: str) -> A:
        """As find_for_update, raising `not_found` when there is none."""
        aggregate = self.find_for_update(id)
        if aggregate is None:
            raise self.not_found()
        return aggregate

    # --- Writing ----------------------------------------------------------------------------

    def add(self, aggregate: A, *, unless_exists: bool = False) -> bool:
        """Insert a new aggregate at version 1, then dispatch its events; answers True.

        With `unless_exists`, a row that a unique constraint says is there already (the same id,
        or one list per order: a concurrent add won) is no error: nothing is written or
        dispatched, the aggregate's events are dropped, and the answer is False."""
        if unless_exists:
            try:
                with transaction.atomic():  # a savepoint: the failed insert leaves the rest intact
                    self._insert(aggregate)
            except IntegrityError:
                aggregate.clear_events()
                return False
        else:
            self._insert(aggregate)
        self.dispatch(aggregate, version_before=0)
        aggregate.version = 1
        return True

    def save(self, aggregate: A) -> None:
        """Write the aggregate back when its state changed (bumping the version), then dispatch
        its events. A command that changed nothing leaves the row and its version untouched."""
        state = self.state(aggregate)
        version_before = aggregate.version
        changed = (
            self.model._default_manager.filter(pk=aggregate.id)
            .exclude(**state)
            .update(**state, version=F("version") + 1, updated_at=timezone.now())
        )
        self.dispatch(aggregate, version_before=version_before)
        aggregate.version = version_before + changed

    def dispatch(self, aggregate: A, *, version_before: int) -> None:
        """Dispatch the events the aggregate recorded, numbered after `version_before`, and
        forget them. `add` and `save` call it; call it alone for an aggregate that is not
        stored (a refusal that names an unknown id)."""
        events = aggregate.pending_events
        aggregate.clear_events()
        if not events:
            return
        correlation_id = self.correlation_id(aggregate)
        with (
            message_context.use(correlation_id=correlation_id) if correlation_id else contextlib.nullcontext()
        ):
            dispatch_events(self.stream_type, aggregate.id, version_before, events)

    def _insert(self, aggregate: A) -> None:
        self.model._default_manager.create(pk=aggregate.id, version=1, **self.creation_state(aggregate))

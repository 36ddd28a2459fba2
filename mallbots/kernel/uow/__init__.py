"""The unit of work of a command, shared by the event store, the messaging kernel and the
contexts: its transaction (`command`, retried when it loses an optimistic-concurrency race),
its message context, its domain events dispatched through one signal (`receiver`), the
repository of state-stored aggregates (`StateStoredRepository`), and the JSON of raw cursors."""

from .command import (
    ConcurrencyError,
    StreamBusy,
    adoptable_transaction,
    before_commit,
    command,
    run_before_commit,
    run_retrying,
)
from .context import ambient_context, loads
from .events import Recorded, dispatch, dispatch_events, domain_event, receiver
from .repository import StateStoredRepository

__all__ = [
    "ConcurrencyError",
    "Recorded",
    "StateStoredRepository",
    "StreamBusy",
    "adoptable_transaction",
    "ambient_context",
    "before_commit",
    "command",
    "dispatch",
    "dispatch_events",
    "domain_event",
    "loads",
    "receiver",
    "run_before_commit",
    "run_retrying",
]

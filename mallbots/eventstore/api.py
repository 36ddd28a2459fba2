"""What contexts use from the event store."""

from .commands import command
from .dispatch import Recorded, dispatch_events, domain_event, receiver
from .projections import Projection, handles
from .projections import register as register_projection
from .store import AggregateRepository, ConcurrencyError

__all__ = [
    "AggregateRepository",
    "ConcurrencyError",
    "Projection",
    "Recorded",
    "command",
    "dispatch_events",
    "domain_event",
    "handles",
    "receiver",
    "register_projection",
]

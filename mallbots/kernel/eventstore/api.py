"""What contexts use from the event store (the unit of work of a command, `command`, `receiver`,
`Recorded`, is in mallbots.kernel.uow)."""

from .projections import Projection, handles
from .projections import register as register_projection
from .store import AggregateRepository, read_stream

__all__ = [
    "AggregateRepository",
    "Projection",
    "handles",
    "read_stream",
    "register_projection",
]

"""Pure-Python building blocks of the domain model. No Django, no ORM, no Celery."""

from . import limits
from .aggregate import Aggregate, Entity, EventSourcedAggregate, when
from .errors import (
    AlreadyExists,
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from .events import (
    DomainEvent,
    UnknownEvent,
    UnknownEventVersion,
    domain_events,
    upcaster,
)

__all__ = [
    "Aggregate",
    "AlreadyExists",
    "Conflict",
    "DomainError",
    "DomainEvent",
    "Entity",
    "EventSourcedAggregate",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "Unauthenticated",
    "UnknownEvent",
    "UnknownEventVersion",
    "domain_events",
    "limits",
    "upcaster",
    "when",
]

"""The error families every context subclasses. Each carries a stable gRPC-style code, which
the HTTP layer maps to a status (see shared API conventions), and optional field details."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of all expected, user-facing errors. `message` is shown to the client as is."""

    code: ClassVar[int] = 2  # unknown
    default_message: ClassVar[str] = "the request failed"

    def __init__(self, message: str | None = None, *, details: list[dict[str, Any]] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or []
        super().__init__(self.message)


class InvalidArgument(DomainError):
    code = 3
    default_message = "invalid argument"


class NotFound(DomainError):
    code = 5
    default_message = "not found"


class AlreadyExists(DomainError):
    code = 6
    default_message = "already exists"


class PermissionDenied(DomainError):
    code = 7
    default_message = "permission denied"


class FailedPrecondition(DomainError):
    code = 9
    default_message = "failed precondition"


class Conflict(DomainError):
    """Aborted: another writer changed the same data first. Retrying the request may succeed."""

    code = 10
    default_message = "the resource was changed concurrently, retry the request"


class Unauthenticated(DomainError):
    code = 16
    default_message = "unauthenticated"

"""Running a service command as one transaction, retried when it loses an optimistic
concurrency race, and answered Conflict when its aggregate stayed busy past the wait."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import transaction

from mallbots.kernel.ddd import Conflict
from mallbots.kernel.ddd import context as message_context


class ConcurrencyError(Exception):
    """Another writer changed the aggregate since it was loaded (raised by its repository)."""


class StreamBusy(Exception):
    """The aggregate stayed locked by other commands for longer than the wait allowed."""


P = ParamSpec("P")
R = TypeVar("R")


def command(fn: Callable[P, R]) -> Callable[P, R]:
    """Runs the service in `transaction.atomic()` (a savepoint when nested). When the save
    loses a race, the whole service runs again on fresh state, up to
    EVENTSTORE_CONFLICT_ATTEMPTS times in all; after that the caller gets Conflict (HTTP 409).
    Loading an aggregate waits for the commands already on it (EVENTSTORE_STREAM_WAIT_SECONDS),
    so races are rare; a stream still busy after that wait is a Conflict at once."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        attempts = max(1, settings.EVENTSTORE_CONFLICT_ATTEMPTS)
        for attempt in range(1, attempts + 1):
            try:
                # One context for the whole command (inheriting the caller's), so its events and
                # messages share a correlation id even when no request or handler set one.
                with message_context.use(), transaction.atomic():
                    return fn(*args, **kwargs)
            except ConcurrencyError:
                if attempt == attempts:
                    raise Conflict() from None
            except StreamBusy:
                raise Conflict() from None
        raise AssertionError("unreachable")

    return run

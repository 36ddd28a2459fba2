"""Running a service command as one transaction, retried when it loses an optimistic
concurrency race, and answered Conflict when its aggregate stayed busy past the wait."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# Set by the caller of a command whose transaction is the command's to use: the first command
# run inside takes it as its own instead of opening a savepoint in it.
_adoptable: ContextVar[bool] = ContextVar("mallbots_adoptable_transaction", default=False)


@contextmanager
def adoptable_transaction() -> Iterator[None]:
    """Inside a transaction that holds nothing the command may not undo (a message delivery:
    its inbox row and cursor), the first command run in it uses that transaction rather than a
    savepoint in it (two statements fewer). Its failures then end the whole transaction: a
    lost race raises ConcurrencyError and a busy stream StreamBusy out of it, for the owner to
    run the whole transaction again (`run_retrying`) or to answer Conflict."""
    token = _adoptable.set(True)
    try:
        yield
    finally:
        _adoptable.reset(token)


# What runs at the end of a transaction the kernel owns, just before its commit: the messaging
# kernel appends what the transaction published (messaging/publish.py).
_before_commit: list[Callable[[], None]] = []


def before_commit(fn: Callable[[], None]) -> None:
    """Run `fn` at the end of every transaction the kernel owns (a command's, not one nested in
    another; a message delivery's), inside it, just before the commit."""
    if fn not in _before_commit:
        _before_commit.append(fn)


def run_before_commit() -> None:
    """The last thing in a transaction block before it commits: runs the registered functions
    when that block is the outermost one (a block nested in another commits nothing)."""
    if len(transaction.get_connection().atomic_blocks) != 1:
        return
    for fn in _before_commit:
        fn()


def run_retrying(fn: Callable[[], R]) -> R:
    """Run `fn` (which opens its transaction) again while it loses a concurrency race, up to
    EVENTSTORE_CONFLICT_ATTEMPTS times in all; Conflict after that or when a stream stays busy."""
    attempts = max(1, settings.EVENTSTORE_CONFLICT_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ConcurrencyError:
            if attempt == attempts:
                raise Conflict() from None
        except StreamBusy:
            raise Conflict() from None
    raise AssertionError("unreachable")


def command(fn: Callable[P, R]) -> Callable[P, R]:
    """Runs the service in `transaction.atomic()` (a savepoint when nested). When the save
    loses a race, the whole service runs again on fresh state, up to
    EVENTSTORE_CONFLICT_ATTEMPTS times in all; after that the caller gets Conflict (HTTP 409).
    Loading an aggregate waits for the commands already on it (EVENTSTORE_STREAM_WAIT_SECONDS),
    so races are rare; a stream still busy after that wait is a Conflict at once. The first
    command inside an `adoptable_transaction` runs in that transaction, without a savepoint,
    and leaves races to its owner."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _adoptable.get():
            token = _adoptable.set(False)  # the commands it runs in turn are nested as usual
            try:
                with message_context.use():
                    return fn(*args, **kwargs)
            finally:
                _adoptable.reset(token)

        def attempt() -> R:
            # One context for the whole command (inheriting the caller's), so its events and
            # messages share a correlation id even when no request or handler set one.
            with message_context.use(), transaction.atomic():
                result = fn(*args, **kwargs)
                run_before_commit()
                return result

        return run_retrying(attempt)

    return run

"""Where one delivery's time goes, by phase, when MESSAGING_PROFILE is on (off by default;
`benchmark saga --profile` turns it on in its workers): a log line per delivery,

    profile <handler> <- <message>: broker 1.20 claim 0.80 handler 3.10 outbox 0.40 commit 0.90 relay 1.50 total 6.80 ms

- broker: from the delivery's send (its row's sent_at, carried in the task's headers) until
  the worker started it: the queue and Celery's own work;
- claim: the inbox record and, for ordered handlers, the partition cursor's lock and advance;
- handler: the handler and its service, the outbox writes excluded;
- outbox: the messages it published, written in its transaction;
- commit: the transaction's commit;
- relay: appending what it published to its stream (just before the commit, or after it)
  and, after the commit, sending their deliveries (and waking a held successor);
- total: from the worker's start of the delivery to its end (tracing, metrics, logging in it)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

PHASES = ("broker", "claim", "handler", "outbox", "commit", "relay")


@dataclass
class Profile:
    started: float  # perf_counter
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))


_current: ContextVar[Profile | None] = ContextVar("mallbots_delivery_profile", default=None)


@contextmanager
def delivery(enabled: bool, sent_at: float | None) -> Iterator[Profile | None]:
    """Profile the delivery run inside, when enabled."""
    if not enabled:
        yield None
        return
    profile = Profile(time.perf_counter())
    if sent_at is not None:
        profile.seconds["broker"] = max(time.time() - sent_at, 0.0)
    token = _current.set(profile)
    try:
        yield profile
    finally:
        _current.reset(token)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time what runs inside as part of the current delivery's phase `name` (nothing when no
    delivery is profiled)."""
    profile = _current.get()
    if profile is None:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        profile.seconds[name] += time.perf_counter() - t0


def report(profile: Profile | None, handler: str, message: str) -> None:
    if profile is None:
        return
    s = profile.seconds
    # The handler's time includes its outbox writes; the transaction's (timed from its start
    # to its exit) everything in it and the relay after the commit.
    handler_only = max(s["handler"] - s["outbox"], 0.0)
    commit_only = max(s["commit"] - s["claim"] - s["handler"] - s["relay"], 0.0)
    log.info(
        "profile %s <- %s: broker %.2f claim %.2f handler %.2f outbox %.2f commit %.2f relay %.2f total %.2f ms",
        handler,
        message,
        s["broker"] * 1000,
        s["claim"] * 1000,
        handler_only * 1000,
        s["outbox"] * 1000,
        commit_only * 1000,
        s["relay"] * 1000,
        (time.perf_counter() - profile.started) * 1000,
    )

from __future__ import annotations

import pytest
from django.test import override_settings

from mallbots.kernel.ddd import Conflict, InvalidArgument, UnknownEventVersion
from mallbots.kernel.ddd.serde import ValidationError, from_data
from mallbots.kernel.messaging.failures import TerminalError, backoff, is_terminal
from tests.kernelapp.domain import LedgerCredited

pytestmark = pytest.mark.unit


@override_settings(MESSAGING_RETRY_BASE_SECONDS=0.5, MESSAGING_RETRY_MAX_SECONDS=60.0)
def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    samples = {attempt: [backoff(attempt) for _ in range(300)] for attempt in (1, 3, 6, 20)}
    assert all(s == 0.5 for s in samples[1])
    assert all(0.5 <= s <= 2.0 for s in samples[3])
    assert all(0.5 <= s <= 16.0 for s in samples[6])
    assert all(0.5 <= s <= 60.0 for s in samples[20])
    assert max(samples[20]) > 30  # jitter spreads up to the cap
    assert len(set(samples[6])) > 100  # jitter: no two consumers retry in lockstep


def _validation_error() -> ValidationError:
    try:
        from_data(LedgerCredited, {})
    except ValidationError as exc:
        return exc
    raise AssertionError


@pytest.mark.parametrize(
    ("error", "terminal"),
    [
        (TerminalError("bad"), True),
        (InvalidArgument("bad"), True),
        (UnknownEventVersion("v9"), True),
        (_validation_error(), True),
        (Conflict(), False),
        (RuntimeError("flaky"), False),
        (ConnectionError("down"), False),
    ],
)
def test_terminal_errors_go_straight_to_dead_letters(error, terminal):
    assert is_terminal(error) is terminal

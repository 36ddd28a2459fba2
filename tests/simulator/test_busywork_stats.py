"""What busywork prints: the progress line, percentiles and the final summary."""

from __future__ import annotations

import pytest

from mallbots.kernel.ops.figures import percentile
from mallbots.tools.simulator.busywork.stats import Stats, progress_line, summary_lines

pytestmark = pytest.mark.unit


def test_an_order_ends_once_and_leaves_the_orders_in_flight():
    # given
    stats = Stats()
    for _ in range(5):
        stats.order_started()
    # when
    stats.order_approved(120.0)
    stats.order_ended("completed")
    stats.order_ended("rejected")
    stats.order_ended("rejected_unexpectedly")
    stats.error("PUT /api/baskets/{id}/checkout: HTTP 409 conflict")
    # then
    snapshot = stats.snapshot()
    assert (snapshot.started, snapshot.completed, snapshot.rejected, snapshot.rejected_unexpectedly) == (
        5,
        1,
        2,
        1,
    )
    assert (snapshot.final, snapshot.in_flight, snapshot.errors) == (3, 2, 1)
    assert progress_line(snapshot, 7.2) == (
        "    7s  started 5  approved 1  rejected 2  cancelled 0  completed 1  in flight 2  errors 1"
    )


def test_percentiles_are_nearest_rank():
    values = tuple(float(v) for v in range(1, 101))
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert (percentile((7.0,), 50), percentile((7.0,), 99)) == (7.0, 7.0)
    assert percentile((30.0, 10.0, 20.0), 50) == 20.0


def test_the_summary_counts_every_outcome_and_the_first_distinct_errors():
    # given
    stats = Stats()
    for outcome in ["completed"] * 6 + ["rejected", "cancelled", "stuck", "failed"]:
        stats.order_started()
        stats.order_ended(outcome)  # type: ignore[arg-type]
    for ms in (100.0, 200.0, 300.0, 900.0):
        stats.order_approved(ms)
    for message in ["b: HTTP 500", "a: connection failed (Connection refused)", "b: HTTP 500"] + [
        f"e{n}" for n in range(10)
    ]:
        stats.error(message)
    # when
    lines = summary_lines(
        stats.snapshot(), clients=2, url="http://mall", ran=60.0, drained=0.0, timeout=30.0, interrupted=False
    )
    # then
    assert lines == [
        "Busywork against http://mall: 2 clients for 60.0s, then 0.0s to finish the orders in flight",
        "  orders started          10",
        "  completed                6",
        "  rejected                 1   (1 on purpose, 0 unexpected)",
        "  cancelled                1   (after approval, on purpose)",
        "  stuck                    1   (no progress within 30s)",
        "  failed                   1   (given up after an error)",
        "  interrupted              0   (in flight when stopped early)",
        "  errors                  13",
        "  lists shopped            0   (by the bot operator)",
        "  checkout->approved  p50 200 ms, p99 900 ms (4 orders)",
        "  throughput          8.0 orders/minute reached a final state (6.0 completed)",
        "  2 of 10 orders did not reach a final state",
        "First errors:",
        "  2x b: HTTP 500",
        "  1x a: connection failed (Connection refused)",
        "  1x e0",
        "  1x e1",
        "  1x e2",
    ]


def test_an_interrupted_run_says_so():
    lines = summary_lines(
        Stats().snapshot(), clients=1, url="http://mall", ran=3.5, drained=1.0, timeout=30.0, interrupted=True
    )
    assert (
        lines[0] == "Busywork against http://mall: 1 client for 3.5s, then stopped early (Ctrl-C or a signal)"
    )
    assert "  checkout->approved  no order was approved" in lines
    assert lines[-1] == "  every order reached a final state (completed, rejected or cancelled)"

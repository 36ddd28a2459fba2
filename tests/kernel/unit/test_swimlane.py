"""The saga's swimlane: a lane per context in the saga's order, a mark per entry, arrows from a
publication to its deliveries, failures and compensations in colour, step durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mallbots.kernel.ops.timeline import TimelineEntry
from mallbots.kernel.web.swimlane import COLOURS, elapsed, lane_of, swimlane

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def saga() -> list[TimelineEntry]:
    return [
        TimelineEntry(at(0), "event", "ordering.Order o-1 v1", "ordering.OrderCreated", "stored"),
        TimelineEntry(at(5), "published", "ordering", "ordersapi.OrderCreated", "appended", "", "m-1"),
        TimelineEntry(
            at(40),
            "handled",
            "depot.on_ordering_order_created",
            "ordersapi.OrderCreated",
            "handled",
            "",
            "m-1",
        ),
        TimelineEntry(
            at(60),
            "dead",
            "customers.on_ordering_order_created",
            "ordersapi.OrderCreated",
            "dead after 3 attempt(s)",
            "KeyError",
            "m-1",
        ),
        TimelineEntry(at(1500), "event", "ordering.Order o-1 v2", "ordering.OrderRejected", "stored"),
    ]


def test_entries_fall_in_the_lane_of_their_context():
    # given / when / then
    assert [lane_of(entry) for entry in saga()] == ["ordering", "ordering", "depot", "customers", "ordering"]


def test_lanes_follow_the_saga_s_order_and_every_entry_is_a_mark():
    # given / when
    svg = str(swimlane(saga()))
    # then
    lanes = [lane for lane in ("ordering", "customers", "depot") if f">{lane}</text>" in svg]
    assert lanes == ["ordering", "customers", "depot"]
    assert svg.index(">ordering</text>") < svg.index(">customers</text>") < svg.index(">depot</text>")
    assert svg.count('<g class="mark') == 5
    assert svg.count('marker-end="url(#swimlane-arrow)"') == 2


def test_failures_are_red_compensations_orange_and_steps_bracketed_with_their_duration():
    # given / when
    svg = str(swimlane(saga()))
    # then
    assert (
        '<g class="mark failure">' in svg and f'fill="{COLOURS["failure"]}">OrderCreated: dead</text>' in svg
    )
    assert '<g class="mark compensation">' in svg
    assert f'fill="{COLOURS["event"]}">1.5 s</text>' in svg


def test_an_empty_timeline_says_so():
    assert str(swimlane([])) == "<p>Nothing recorded yet.</p>"


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.0123, "12 ms"), (2.34, "2.3 s"), (182, "3 min 2 s"), (3900, "1 h 5 min")]
)
def test_durations_read_as_people_say_them(seconds, text):
    assert elapsed(seconds) == text

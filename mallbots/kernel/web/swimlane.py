"""A saga as a picture: the entries of a correlation timeline (mallbots.kernel.ops.timeline) drawn
as an SVG swimlane, rendered on the server so nothing is loaded from elsewhere.

One lane (a column) per context, time going down one row per entry: stored events, messages
published and each delivery's outcome are marks in their context's lane, an arrow goes from a
publication to the deliveries of the same message, failures are red and compensations
(rejections, cancellations, failed steps) orange. The left margin gives the time since the
first entry, and brackets the durations between the steps of the saga (the events of the
`steps` lane, by default the ordering context's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# The lanes of the create-order saga, left to right in the order the saga visits them.
LANE_ORDER = ("baskets", "ordering", "customers", "depot", "payments", "notifications", "search", "stores")
FAILED_KINDS = frozenset({"retrying", "held", "dead"})
COMPENSATION_WORDS = ("Reject", "Cancel", "Fail", "Releas", "Refus")

WIDTH = 1200
MARGIN = 170  # the time column
HEADER = 36
ROW = 24
MAX_ROWS = 300

COLOURS = {
    "event": "#2b5b84",
    "published": "#3f7f3a",
    "handled": "#6b6b6b",
    "compensation": "#d9822b",
    "failure": "#c62828",
    "discarded": "#9e9e9e",
}


class Entry(Protocol):
    # Read-only, so that frozen dataclasses (the ops timeline's entries) satisfy it.
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def where(self) -> str: ...
    @property
    def what(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def message_id(self) -> str: ...


@dataclass(frozen=True)
class Mark:
    row: int
    lane: str
    entry: Entry
    tone: str  # a key of COLOURS


def lane_of(entry: Entry) -> str:
    """The context of an entry: a stored event's stream type, a publication's producer, a
    delivery's handler, each named "<context>.<...>"."""
    return entry.where.split(".", 1)[0].split(" ", 1)[0]


def tone_of(entry: Entry) -> str:
    if entry.kind in FAILED_KINDS:
        return "failure"
    if entry.kind == "discarded":
        return "discarded"
    if any(word in entry.what for word in COMPENSATION_WORDS):
        return "compensation"
    return entry.kind if entry.kind in COLOURS else "handled"


def elapsed(seconds: float) -> str:
    """412 ms, 2.3 s, 3 min 2 s, 1 h 5 min."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"


def clock(at: datetime) -> str:
    """15:26:41.123 (UTC)."""
    return at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}"


def swimlane(entries: Sequence[Entry], *, steps: str = "ordering") -> SafeString:
    if not entries:
        return format_html("<p>{}</p>", "Nothing recorded yet.")
    shown = list(entries[:MAX_ROWS])
    present = {lane_of(entry) for entry in shown}
    lanes = [lane for lane in LANE_ORDER if lane in present] + sorted(present - set(LANE_ORDER))
    lane_width = (WIDTH - MARGIN) / len(lanes)
    x_of = {lane: MARGIN + index * lane_width for index, lane in enumerate(lanes)}
    marks = [Mark(row, lane_of(entry), entry, tone_of(entry)) for row, entry in enumerate(shown)]
    height = HEADER + len(marks) * ROW + 12
    start = shown[0].at

    def y(row: int) -> float:
        return HEADER + row * ROW + ROW / 2

    def mark_x(mark: Mark) -> float:
        return x_of[mark.lane] + 14

    parts: list[str] = []
    for index, lane in enumerate(lanes):
        parts.append(
            format_html(
                '<rect x="{}" y="0" width="{}" height="{}" fill="#7f8c99" fill-opacity="{}"/>'
                '<text x="{}" y="22" font-weight="bold" text-anchor="middle">{}</text>',
                f"{x_of[lane]:.1f}",
                f"{lane_width:.1f}",
                height,
                "0.10" if index % 2 == 0 else "0.04",
                f"{x_of[lane] + lane_width / 2:.1f}",
                lane,
            )
        )
    parts.append(
        format_html('<text x="8" y="22" font-weight="bold">{}</text>', f"time (from {clock(start)} UTC)")
    )
    # Arrows first, so the marks are drawn over them.
    published = {m.entry.message_id: m for m in marks if m.entry.kind == "published" and m.entry.message_id}
    for mark in marks:
        source = published.get(mark.entry.message_id) if mark.entry.kind != "published" else None
        if source is not None:
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#8a97a5" stroke-width="1" '
                    'marker-end="url(#swimlane-arrow)"/>',
                    f"{mark_x(source):.1f}",
                    f"{y(source.row):.1f}",
                    f"{mark_x(mark):.1f}",
                    f"{y(mark.row) - 6:.1f}",
                )
            )
    previous_step: Mark | None = None
    for mark in marks:
        entry = mark.entry
        parts.append(
            format_html(
                '<text x="8" y="{}" fill-opacity="0.7">+{}</text>',
                f"{y(mark.row) + 4:.1f}",
                elapsed((entry.at - start).total_seconds()),
            )
        )
        if entry.kind == "event" and mark.lane == steps:
            if previous_step is not None:
                parts.append(_bracket(y(previous_step.row), y(mark.row), entry.at - previous_step.entry.at))
            previous_step = mark
        parts.append(_mark(mark, mark_x(mark), y(mark.row), lane_width))
    defs = (
        '<defs><marker id="swimlane-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8a97a5"/>'
        "</marker></defs>"
    )
    more = ""
    if len(entries) > MAX_ROWS:
        more = format_html("<p>{}</p>", f"The first {MAX_ROWS} of {len(entries)} entries are drawn.")
    svg = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}</svg>',
        WIDTH,
        height,
        f"Swimlane of {len(shown)} entries in {len(lanes)} contexts",
        mark_safe(defs),  # a constant
        mark_safe("".join(parts)),  # every part was built by format_html
    )
    return format_html('<div class="swimlane">{}</div>{}{}', svg, legend(), more)


def _mark(mark: Mark, x: float, y: float, lane_width: float) -> SafeString:
    entry = mark.entry
    colour = COLOURS[mark.tone]
    if entry.kind == "published":
        shape = format_html(
            '<path d="M {} {} l 6 10 l -12 0 z" fill="{}"/>', f"{x:.1f}", f"{y - 6:.1f}", colour
        )
    elif entry.kind == "event":
        shape = format_html('<circle cx="{}" cy="{}" r="6" fill="{}"/>', f"{x:.1f}", f"{y:.1f}", colour)
    else:
        shape = format_html(
            '<path d="M {} {} l 6 6 l -6 6 l -6 -6 z" fill="{}" stroke="{}" stroke-width="{}"/>',
            f"{x:.1f}",
            f"{y - 6:.1f}",
            "none" if entry.kind == "handled" else colour,
            colour,
            2,
        )
    name = entry.what.rsplit(".", 1)[-1]
    if entry.kind in FAILED_KINDS or entry.kind == "discarded":
        name = f"{name}: {entry.kind}"
    room = max(int((lane_width - 24) / 6.2), 8)
    label = name if len(name) <= room else name[: room - 1] + "…"
    title = f"{clock(entry.at)} UTC · {entry.kind} · {entry.where} · {entry.what} · {entry.outcome}"
    if entry.detail:
        title += f" · {entry.detail}"
    return format_html(
        '<g class="mark {}"><title>{}</title>{}<text x="{}" y="{}" fill="{}">{}</text></g>',
        mark.tone,
        title,
        shape,
        f"{x + 10:.1f}",
        f"{y + 4:.1f}",
        colour if mark.tone in ("failure", "compensation") else "currentColor",
        label,
    )


def _bracket(top: float, bottom: float, duration: timedelta) -> SafeString:
    seconds = duration.total_seconds()
    middle = (top + bottom) / 2
    return format_html(
        '<path d="M 158 {} h 6 V {} h -6" fill="none" stroke="#2b5b84" stroke-width="1.5"/>'
        '<text x="154" y="{}" text-anchor="end" font-weight="bold" fill="#2b5b84">{}</text>',
        f"{top:.1f}",
        f"{bottom:.1f}",
        f"{middle + 4:.1f}",
        elapsed(seconds),
    )


def legend() -> SafeString:
    items = (
        ("event", "● event stored"),
        ("published", "▲ message published"),
        ("handled", "◇ delivery handled"),
        ("compensation", "■ rejection, cancellation or failed step"),
        ("failure", "◆ delivery failed (retrying, held, dead letter)"),
    )
    return format_html(
        '<p class="legend">{}<span>brackets: time between the saga\'s steps</span></p>',
        format_html_join(
            "", '<span><i style="background:{}"></i>{}</span>', ((COLOURS[k], t) for k, t in items)
        ),
    )

"""Small SVG charts for the dashboard, drawn on the server: nothing is loaded from elsewhere and
the page needs no script. Each chart scales to its box (a viewBox, width 100%)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 28


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Column:
    label: str  # shown under the column when not ""
    values: dict[str, float]  # series key -> value (a missing key: nothing)
    title: str = ""  # the tooltip


def _scale(top: float) -> float:
    """A round maximum for the axis: 1, 2, 5, 10, 20, 50, ..."""
    step = 1.0
    while step < top:
        for factor in (2, 2.5, 2):
            step *= factor
            if step >= top:
                break
    return step


def _frame(maximum: float, axis: Callable[[float], str]) -> list[SafeString]:
    inner = HEIGHT - TOP - BOTTOM
    parts = []
    for fraction in (0, 0.5, 1):
        y = TOP + inner * (1 - fraction)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#8a97a5" stroke-opacity="0.4"/>'
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                f"{y:.1f}",
                WIDTH - RIGHT,
                f"{y:.1f}",
                LEFT - 6,
                f"{y + 4:.1f}",
                axis(maximum * fraction),
            )
        )
    return parts


def _svg(label: str, parts: Sequence[str]) -> SafeString:
    return format_html(
        '<svg class="mall-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        mark_safe("".join(parts)),  # every part was built by format_html
    )


def legend(series: Sequence[Series]) -> SafeString:
    return format_html(
        '<p class="legend">{}</p>',
        format_html_join(
            "", '<span><i style="background:{}"></i>{}</span>', ((s.colour, s.label) for s in series)
        ),
    )


def stacked_bars(columns: Sequence[Column], series: Sequence[Series], *, label: str) -> SafeString:
    """A bar per column, its series stacked bottom up in the order given."""
    maximum = _scale(max((sum(c.values.values()) for c in columns), default=0) or 1)
    inner_width, inner_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_width / max(len(columns), 1)
    parts = _frame(maximum, lambda v: f"{v:g}")
    for index, column in enumerate(columns):
        x = LEFT + index * slot + slot * 0.12
        bottom = TOP + inner_height
        for s in series:
            value = column.values.get(s.key, 0)
            if not value:
                continue
            height = inner_height * value / maximum
            bottom -= height
            parts.append(
                format_html(
                    '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                    s.key,
                    f"{x:.1f}",
                    f"{bottom:.1f}",
                    f"{slot * 0.76:.1f}",
                    f"{height:.1f}",
                    s.colour,
                    f"{column.title or column.label}: {value:g} {s.label}",
                )
            )
        if column.label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{x + slot * 0.38:.1f}",
                    HEIGHT - 10,
                    column.label,
                )
            )
    return _svg(label, parts)


def lines(
    columns: Sequence[Column], series: Sequence[Series], *, label: str, axis: Callable[[float], str]
) -> SafeString:
    """A line per series through the columns that have a value for it, a dot at each."""
    top = max((v for c in columns for v in c.values.values()), default=0)
    maximum = _scale(top or 1)
    inner_width, inner_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_width / max(len(columns), 1)
    parts = _frame(maximum, axis)
    for index, column in enumerate(columns):
        if column.label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{LEFT + (index + 0.5) * slot:.1f}",
                    HEIGHT - 10,
                    column.label,
                )
            )
    for s in series:
        points = [
            (LEFT + (index + 0.5) * slot, TOP + inner_height * (1 - column.values[s.key] / maximum), column)
            for index, column in enumerate(columns)
            if s.key in column.values
        ]
        if len(points) > 1:
            parts.append(
                format_html(
                    '<polyline class="line {}" points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                    s.key,
                    " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points),
                    s.colour,
                )
            )
        for x, y, column in points:
            parts.append(
                format_html(
                    '<circle class="dot {}" cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>',
                    s.key,
                    f"{x:.1f}",
                    f"{y:.1f}",
                    s.colour,
                    f"{column.title}: {s.label} {axis(column.values[s.key])}",
                )
            )
    return _svg(label, parts)

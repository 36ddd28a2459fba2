"""Plain-text tables for the operator commands' output."""

from __future__ import annotations

from collections.abc import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Lines of a left-aligned table, columns two spaces apart, no trailing blanks."""
    widths = [max(len(str(line[i])) for line in [header, *rows]) for i in range(len(header))]
    return [
        (
            indent + "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        ).rstrip()
        for line in [header, *rows]
    ]

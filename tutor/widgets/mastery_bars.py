"""Mastery bars with interval whiskers, drawn with Rich so they fit a table cell or a panel.

    ━━━━━━━━━━━━━├──●───┤·········   the filled part is the estimate; the whisker spans the credible interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

STATUS_STYLES: dict[str, str] = {
    "strong": "green",
    "developing": "yellow",
    "weak": "red",
    "not_tested": "grey50",
}


def mastery_bar(mean: float, lower: float, upper: float, *, width: int = 24, status: str = "developing") -> Text:
    """A bar `width` cells wide for a value in [0, 1], with ├─┤ whiskers over [lower, upper] and ● at the mean."""
    style = STATUS_STYLES.get(status, "white")
    if status == "not_tested":
        return Text("·" * width, style="grey50")
    clamp = lambda value: min(max(value, 0.0), 1.0)  # noqa: E731 - a one-line local helper reads better here
    last = width - 1
    at_mean = round(clamp(mean) * last)
    at_low = round(clamp(lower) * last)
    at_high = round(clamp(upper) * last)
    cells: list[tuple[str, str]] = []
    for cell in range(width):
        if cell == at_mean:
            cells.append(("●", f"bold {style}"))
        elif cell == at_low and at_low != at_high:
            cells.append(("├", style))
        elif cell == at_high and at_low != at_high:
            cells.append(("┤", style))
        elif at_low < cell < at_high:
            cells.append(("─", style))
        elif cell < at_mean:
            cells.append(("━", f"dim {style}"))
        else:
            cells.append(("·", "grey42"))
    return Text.assemble(*cells)


@dataclass(frozen=True)
class MasteryRow:
    label: str
    mean: float
    lower: float
    upper: float
    status: str
    evidence: int


def mastery_table(rows: Sequence[MasteryRow], *, bar_width: int = 24, title: str | None = None) -> Table:
    table = Table(title=title, expand=True, box=None, padding=(0, 1), show_edge=False)
    table.add_column("", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column("mastery", width=bar_width, no_wrap=True)
    table.add_column("%", justify="right", width=4)
    table.add_column("interval", justify="right", width=9)
    table.add_column("n", justify="right", width=3)
    for row in rows:
        tested = row.status != "not_tested"
        table.add_row(
            row.label,
            mastery_bar(row.mean, row.lower, row.upper, width=bar_width, status=row.status),
            f"{row.mean * 100:.0f}" if tested else "-",
            f"{row.lower * 100:.0f}-{row.upper * 100:.0f}" if tested else "not yet",
            str(row.evidence),
            style=None if tested else "grey50",
        )
    return table


class MasteryBars(Static):
    """A block of labelled mastery bars (modules on the gap report, components on the dashboard)."""

    DEFAULT_CSS = """
    MasteryBars { height: auto; }
    """

    def __init__(self, rows: Sequence[MasteryRow] = (), *, title: str | None = None, bar_width: int = 24,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.bar_width = bar_width
        self.show_rows(rows)

    def show_rows(self, rows: Sequence[MasteryRow]) -> None:
        self.rows = list(rows)
        if not self.rows:
            self.update(Text("No evidence yet.", style="italic"))
            return
        self.update(mastery_table(self.rows, bar_width=self.bar_width, title=self.title))

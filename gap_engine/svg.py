"""Inline SVG charts for the HTML report: plain strings, no script, no external resource, every label escaped.

Colours come from CSS classes (defined in the report's stylesheet) so the charts follow the page's light/dark theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

LABEL_WIDTH = 300
BAR_WIDTH = 380
ROW_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    label: str
    mean: float | None  # in [0, 1]; None: not tested
    lower: float | None = None
    upper: float | None = None
    status: str = "not_tested"  # not_tested | weak | developing | strong: the CSS class of the bar
    detail: str = ""  # shown at the end of the row, e.g. "62% (48-74)"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg class="chart" viewBox="0 0 {_number(width)} {_number(height)}" '
            f'width="{_number(width)}" height="{_number(height)}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def mastery_bars(bars: Sequence[Bar], title: str) -> str:
    """Horizontal bars of mastery in [0, 1] with the credible interval as a whisker; untested rows say so."""
    top = 18
    width = LABEL_WIDTH + BAR_WIDTH + 150
    height = top + ROW_HEIGHT * max(1, len(bars)) + 8
    body = [f'<text class="axis" x="{LABEL_WIDTH + BAR_WIDTH * tick / 4:.1f}" y="12" text-anchor="middle">{tick * 25}%</text>'
            f'<line class="grid" x1="{LABEL_WIDTH + BAR_WIDTH * tick / 4:.1f}" y1="{top}" '
            f'x2="{LABEL_WIDTH + BAR_WIDTH * tick / 4:.1f}" y2="{height - 8}"/>' for tick in range(5)]
    for row, bar in enumerate(bars):
        y = top + row * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        label = bar.label if len(bar.label) <= 44 else bar.label[:43] + "…"
        body.append(f'<text class="label" x="{LABEL_WIDTH - 8}" y="{middle + 4:.1f}" text-anchor="end">'
                    f"<title>{escape(bar.label)}</title>{escape(label)}</text>")
        if bar.mean is None:
            body.append(f'<rect class="bar not_tested" x="{LABEL_WIDTH}" y="{y + 5}" width="{BAR_WIDTH}" '
                        f'height="{ROW_HEIGHT - 10}"/>'
                        f'<text class="note" x="{LABEL_WIDTH + 6}" y="{middle + 4:.1f}">not yet tested</text>')
            continue
        body.append(f'<rect class="bar {escape(bar.status)}" x="{LABEL_WIDTH}" y="{y + 4}" '
                    f'width="{BAR_WIDTH * _clamp(bar.mean):.1f}" height="{ROW_HEIGHT - 8}"/>')
        if bar.lower is not None and bar.upper is not None:
            low, high = LABEL_WIDTH + BAR_WIDTH * _clamp(bar.lower), LABEL_WIDTH + BAR_WIDTH * _clamp(bar.upper)
            body.append(f'<g class="whisker"><line x1="{low:.1f}" y1="{middle:.1f}" x2="{high:.1f}" y2="{middle:.1f}"/>'
                        f'<line x1="{low:.1f}" y1="{y + 6}" x2="{low:.1f}" y2="{y + ROW_HEIGHT - 6}"/>'
                        f'<line x1="{high:.1f}" y1="{y + 6}" x2="{high:.1f}" y2="{y + ROW_HEIGHT - 6}"/></g>')
        body.append(f'<text class="value" x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{middle + 4:.1f}">{escape(bar.detail)}</text>')
    return _svg(width, height, title, body)


def score_trend(answers: Sequence[tuple[datetime, float]], sessions: Sequence[tuple[datetime, float]], title: str) -> str:
    """Scores /10 over time: one dot per scored answer, a line through the session averages (or the answers if none)."""
    width, height, left, right, top, bottom = 720.0, 240.0, 40.0, 16.0, 12.0, 28.0
    moments = [when for when, _ in [*answers, *sessions]]
    body = []
    for tick in (0, 2.5, 5, 7.5, 10):
        level = top + (height - top - bottom) * (1 - tick / 10)
        body.append(f'<line class="grid" x1="{left}" y1="{level:.1f}" x2="{width - right}" y2="{level:.1f}"/>'
                    f'<text class="axis" x="{left - 6}" y="{level + 4:.1f}" text-anchor="end">{_number(tick)}</text>')
    if not moments:
        body.append(f'<text class="note" x="{width / 2}" y="{height / 2}" text-anchor="middle">no scored answers yet</text>')
        return _svg(width, height, title, body)
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds() or 1.0

    def x(when: datetime) -> float:
        return left + (width - left - right) * ((when - start).total_seconds() / span if end > start else 0.5)

    def y(score: float) -> float:
        return top + (height - top - bottom) * (1 - _clamp(score, 0, 10) / 10)

    body.extend(f'<circle class="dot" cx="{x(when):.1f}" cy="{y(score):.1f}" r="2.5"/>' for when, score in answers)
    line = sessions if sessions else answers
    if len(line) > 1:
        points = " ".join(f"{x(when):.1f},{y(score):.1f}" for when, score in sorted(line))
        body.append(f'<polyline class="trend" points="{points}"/>')
    body.append(f'<text class="axis" x="{left}" y="{height - 8}">{escape(start.strftime("%Y-%m-%d"))}</text>'
                f'<text class="axis" x="{width - right}" y="{height - 8}" text-anchor="end">'
                f'{escape(end.strftime("%Y-%m-%d"))}</text>')
    return _svg(width, height, title, body)


def readiness_gauge(projected: float, interval: tuple[float, float], total: int, bands: Sequence[tuple[int, str]],
                    title: str) -> str:
    """A 0-total scale with the bands' thresholds marked, the projection's interval shaded and its point marked."""
    width, left, right, bar_y, bar_height = 720.0, 16.0, 16.0, 40.0, 24.0
    height = 110.0

    def x(points: float) -> float:
        return left + (width - left - right) * _clamp(points / total if total else 0.0)

    body = [f'<rect class="gauge" x="{left}" y="{bar_y}" width="{width - left - right}" height="{bar_height}"/>']
    ordered = sorted(bands)
    for number, (minimum, label) in enumerate(ordered):
        upper = ordered[number + 1][0] if number + 1 < len(ordered) else total
        body.append(f'<rect class="band band{number}" x="{x(minimum):.1f}" y="{bar_y}" '
                    f'width="{max(0.0, x(upper) - x(minimum)):.1f}" height="{bar_height}"><title>{escape(label)}</title></rect>')
        if minimum > 0:
            body.append(f'<line class="mark" x1="{x(minimum):.1f}" y1="{bar_y - 6}" x2="{x(minimum):.1f}" '
                        f'y2="{bar_y + bar_height + 6}"/>'
                        f'<text class="axis" x="{x(minimum):.1f}" y="{bar_y + bar_height + 20}" text-anchor="middle">'
                        f"{minimum}</text>")
    low, high = interval
    body.append(f'<rect class="interval" x="{x(low):.1f}" y="{bar_y + 6}" width="{max(1.0, x(high) - x(low)):.1f}" '
                f'height="{bar_height - 12}"/>'
                f'<path class="pointer" d="M {x(projected):.1f} {bar_y - 2} l -7 -12 h 14 z"/>'
                f'<text class="value" x="{x(projected):.1f}" y="{bar_y - 18}" text-anchor="middle">'
                f"{projected:.0f} / {total}</text>"
                f'<text class="axis" x="{left}" y="{bar_y + bar_height + 20}">0</text>'
                f'<text class="axis" x="{width - right}" y="{bar_y + bar_height + 20}" text-anchor="end">{total}</text>')
    return _svg(width, height, title, body)


def solved_bars(rows: Sequence[tuple[str, int, int]], title: str) -> str:
    """Solved out of total per row (e.g. per difficulty): a track for the total, a filled part for the solved."""
    label_width, track, top = 120.0, 420.0, 8.0
    width = label_width + track + 90
    height = top + ROW_HEIGHT * max(1, len(rows)) + 8
    body = []
    for row, (label, solved, total) in enumerate(rows):
        y = top + row * ROW_HEIGHT
        share = solved / total if total else 0.0
        body.append(f'<text class="label" x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                    f'<rect class="track" x="{label_width}" y="{y + 4}" width="{track}" height="{ROW_HEIGHT - 8}"/>'
                    f'<rect class="bar strong" x="{label_width}" y="{y + 4}" width="{track * share:.1f}" '
                    f'height="{ROW_HEIGHT - 8}"/>'
                    f'<text class="value" x="{label_width + track + 8}" y="{y + 15}">{solved} / {total}</text>')
    return _svg(width, height, title, body)

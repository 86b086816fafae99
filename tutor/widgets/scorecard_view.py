"""One score card: overall /10, hire signal, and per rubric point the score, the quote that earned it and what was
missing; then the feedback. Used after an interview (one per question) and after a single practice answer."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from question_bank.models import Question
from rubrics.scorecard import HireSignal, ScoreCard

HIRE_LABELS: dict[HireSignal, tuple[str, str]] = {
    HireSignal.STRONG_NO: ("strong no", "bold white on red"),
    HireSignal.NO: ("no", "bold red"),
    HireSignal.LEAN_HIRE: ("lean hire", "bold yellow"),
    HireSignal.HIRE: ("hire", "bold green"),
    HireSignal.STRONG_HIRE: ("strong hire", "bold black on green"),
}

FLAG_TEXT: dict[str, str] = {
    "prompt-injection": "the answer tried to instruct the grader; its score is capped",
    "llm-fallback": "graded offline (the LLM grader was unavailable)",
}


def hire_badge(signal: HireSignal) -> Text:
    label, style = HIRE_LABELS[signal]
    return Text(f" {label} ", style=style)


def score_style(fraction: float) -> str:
    return "green" if fraction >= 0.7 else "yellow" if fraction >= 0.4 else "red"


def points_table(card: ScoreCard, question: Question | None) -> Table:
    rubric = {point.id: point for point in question.rubric} if question else {}
    table = Table(expand=True, show_lines=True, padding=(0, 1))
    table.add_column("rubric point", ratio=3)
    table.add_column("score", width=7, justify="right")
    table.add_column("what earned it / what was missing", ratio=5)
    for point in card.points:
        rubric_point = rubric.get(point.point_id)
        name = Text(rubric_point.text if rubric_point else point.point_id)
        if rubric_point:
            name.append(f"\nweight {rubric_point.weight:g}", style="dim")
        detail = Text()
        if point.quote:
            detail.append("“" + point.quote.strip() + "”", style="italic green")
        if point.missing:
            if detail:
                detail.append("\n")
            detail.append("Missing: ", style="bold yellow")
            detail.append(point.missing)
        for claim in point.misconceptions:
            if detail:
                detail.append("\n")
            detail.append("Misconception: ", style="bold red")
            detail.append(claim)
        if not detail:
            detail.append("—", style="dim")
        table.add_row(name, Text(f"{point.score * 100:.0f}%", style=score_style(point.score)), detail)
    return table


def card_heading(card: ScoreCard, question: Question | None, points_possible: float | None = None) -> Text:
    heading = Text()
    heading.append(question.title if question else card.item_id, style="bold")
    heading.append(f"  {card.overall:.1f}/10 ", style=f"bold {score_style(card.overall / 10)}")
    heading.append_text(hire_badge(card.hire_signal))
    if points_possible is not None:
        heading.append(f"  {card.overall / 10 * points_possible:.1f}/{points_possible:g} points", style="bold")
    heading.append(f"   scored by {card.scorer}" + (f" ({card.model})" if card.model else ""), style="dim")
    return heading


def card_renderable(card: ScoreCard, question: Question | None, points_possible: float | None = None) -> RenderableType:
    parts: list[RenderableType] = [card_heading(card, question, points_possible)]
    for flag in card.flags:
        parts.append(Text(f"⚠ {FLAG_TEXT.get(flag, flag)}", style="bold yellow"))
    parts.append(points_table(card, question))
    parts.append(Text.assemble(("Feedback: ", "bold"), card.feedback))
    return Group(*parts)


class ScorecardView(Vertical):
    """A score card as a block: heading, flags, the rubric table and the feedback."""

    DEFAULT_CSS = """
    ScorecardView { height: auto; padding: 0 1; margin: 0 0 1 0; border: round $primary; }
    ScorecardView > Static { height: auto; }
    """

    def __init__(self, card: ScoreCard, question: Question | None = None, *, points_possible: float | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.card = card
        self.question = question
        self.points_possible = points_possible

    def compose(self) -> ComposeResult:
        yield Static(card_renderable(self.card, self.question, self.points_possible), classes="card-body")

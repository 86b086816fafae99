"""The scorecard at the end of an interview: the session's overall /10 and hire signal (and /150 with its band for the
final assessment), then per question the rubric points, the quotes that earned them, what was missing and feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tutor.widgets.scorecard_view import ScorecardView, hire_badge, score_style

if TYPE_CHECKING:
    from interviewers.session import SessionResult
    from question_bank.loader import Bank


class ScorecardScreen(Screen[None]):
    CSS_PATH = "scorecard.tcss"
    TITLE = "Scorecard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "gap_report", "Gap report"),
        Binding("n", "new_interview", "New interview"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, result: SessionResult, bank: Bank) -> None:
        super().__init__()
        self.result = result
        self.bank = bank

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="cards"):
            yield Static(self._summary(), id="summary")
            for item in self.result.items:
                question = self.bank.questions.get(item.item_id)
                if item.card is None:
                    yield Static(Text.assemble((item.title, "bold"), ("   not answered", "dim italic")),
                                 classes="unanswered")
                    continue
                yield ScorecardView(item.card, question, points_possible=item.max_points, classes="item-card")
        yield Footer()

    def _summary(self) -> Table:
        from interviewers.formats import load_formats
        from interviewers.personas import load_personas
        from question_bank.models import PersonaId

        result = self.result
        fmt = load_formats().get(result.format_id)
        persona = load_personas().get(PersonaId(result.persona)) if result.persona in set(PersonaId) else None
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("Interview", Text.assemble(fmt.title if fmt else result.format_id,
                                                 f" with {persona.name}" if persona else ""))
        if result.summary is not None:
            overall = result.summary.overall
            table.add_row("Overall", Text.assemble((f"{overall:.1f}/10 ", f"bold {score_style(overall / 10)}"),
                                                   hire_badge(result.summary.hire_signal)))
        else:
            table.add_row("Overall", Text("nothing was answered, so nothing was scored", style="italic"))
        if result.assessment is not None:
            assessment = result.assessment
            parts = ", ".join(f"{part.title} {part.points:g}/{part.max_points}" for part in assessment.parts)
            table.add_row("Final assessment", Text.assemble((f"{assessment.total:g}/{assessment.max_points}", "bold"),
                                                            f"  {assessment.band}"))
            table.add_row("", Text(parts, style="dim"))
            table.add_row("", Text(assessment.advice, style="italic"))
        table.add_row("Questions", f"{result.answered} answered of {result.asked} asked ({result.planned} planned)")
        return table

    def action_gap_report(self) -> None:
        from tutor.screens.gap_report import GapReportScreen

        self.app.switch_screen(GapReportScreen())

    def action_new_interview(self) -> None:
        from tutor.screens.interview_setup import InterviewSetupScreen

        self.app.switch_screen(InterviewSetupScreen())

    def action_home(self) -> None:
        self.app.pop_screen()

"""Mock interview set-up: pick a format and an interviewer (or let the app pick), see the phase plan, start."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from question_bank.models import PersonaId

if TYPE_CHECKING:
    from interviewers.clock import Clock
    from interviewers.formats import InterviewFormat
    from interviewers.personas import Persona
    from interviewers.session import SessionEngine
    from tutor.app import TutorApp

SURPRISE = "surprise"


class InterviewSetupScreen(Screen[None]):
    """Format on the left, interviewer below it, the plan of the chosen format on the right."""

    CSS_PATH = "interview_setup.tcss"
    TITLE = "Mock interview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s,ctrl+s", "start", "Start"),
        Binding("r", "surprise", "Surprise me"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, *, clock: Clock | None = None, seed: int | None = None) -> None:
        super().__init__()
        from interviewers.formats import load_formats
        from interviewers.personas import load_personas

        self.clock = clock  # None: the wall clock; tests and screenshots pass a FakeClock
        self.seed = seed
        self.formats: dict[str, InterviewFormat] = load_formats()
        self.personas: dict[PersonaId, Persona] = load_personas()
        self.format_id = next(iter(self.formats))
        self.persona_choice: str = SURPRISE
        self._persona_chosen_by_user = False

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="setup"):
            with Vertical(id="choices"):
                yield Label("Format", classes="section-title")
                yield OptionList(*[Option(self._format_label(f), id=f.id) for f in self.formats.values()], id="formats")
                yield Label("Interviewer", classes="section-title")
                yield OptionList(*self._persona_options(), id="personas")
            with Vertical(id="plan-pane"):
                yield Button("Start interview", id="start", variant="primary")
                with VerticalScroll(id="plan-scroll"):
                    yield Static(id="format-description")
                    yield Static(id="plan")
                    yield Static(id="persona-description")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#formats", OptionList).highlighted = 0
        self.query_one("#personas", OptionList).highlighted = 0
        self._show_plan()
        self.query_one("#formats", OptionList).focus()

    # --- choices ---------------------------------------------------------------------------------------------

    def _format_label(self, interview_format: InterviewFormat) -> Text:
        minutes = sum(phase.minutes for phase in interview_format.phases)
        return Text.assemble((interview_format.title, "bold"), (f"  {minutes:g} min", "dim"))

    def _persona_options(self) -> list[Option]:
        options = [Option(Text.assemble(("Surprise me", "bold"), ("\n  any of the ten, picked at random", "dim")),
                          id=SURPRISE)]
        for persona in self.personas.values():
            options.append(Option(Text.assemble((persona.name, "bold"), (f" · {persona.title}", ""),
                                                (f"\n  {persona.one_liner}", "dim")), id=persona.id.value))
        return options

    @on(OptionList.OptionHighlighted, "#formats")
    def _format_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.format_id = str(event.option.id)
        if not self._persona_chosen_by_user:
            self._highlight_persona(self.formats[self.format_id].default_persona.value)
        self._show_plan()

    @on(OptionList.OptionSelected, "#formats")
    def _format_selected(self) -> None:
        self.query_one("#personas", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#personas")
    def _persona_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.persona_choice = str(event.option.id)
        if self.query_one("#personas", OptionList).has_focus:
            self._persona_chosen_by_user = True
        self._show_plan()

    @on(OptionList.OptionSelected, "#personas")
    def _persona_selected(self) -> None:
        self.query_one("#start", Button).focus()

    def _highlight_persona(self, persona_id: str) -> None:
        personas = self.query_one("#personas", OptionList)
        personas.highlighted = personas.get_option_index(persona_id)

    def action_surprise(self) -> None:
        self._persona_chosen_by_user = True
        self._highlight_persona(SURPRISE)

    def _show_plan(self) -> None:
        interview_format = self.formats[self.format_id]
        self.query_one("#format-description", Static).update(
            Text.assemble((interview_format.title, "bold"), "\n", interview_format.description))
        self.query_one("#plan", Static).update(plan_table(interview_format, self.personas, self._persona_name()))
        description = self.query_one("#persona-description", Static)
        if self.persona_choice == SURPRISE:
            description.update(Text("Surprise me: the interviewer is picked at random when you start.", style="italic"))
        else:
            persona = self.personas[PersonaId(self.persona_choice)]
            description.update(Text.assemble((f"{persona.name}, {persona.title}", "bold"), "\n", persona.background))

    def _persona_name(self) -> str:
        return "random" if self.persona_choice == SURPRISE else self.personas[PersonaId(self.persona_choice)].name

    # --- start -----------------------------------------------------------------------------------------------

    def chosen_persona(self) -> PersonaId:
        if self.persona_choice != SURPRISE:
            return PersonaId(self.persona_choice)
        return random.Random(self.seed).choice(list(self.personas))

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        self.query_one("#start", Button).disabled = True
        self.notify("Starting the interview…", timeout=2)
        self._start_engine(self.format_id, self.chosen_persona())

    @work(thread=True, exclusive=True, group="start-interview")
    def _start_engine(self, format_id: str, persona_id: PersonaId) -> None:
        """Off the UI thread: building the LLM client may import an SDK."""
        services = self.tutor.services
        try:
            from interviewers.clock import SystemClock
            from interviewers.session import SessionEngine

            engine = SessionEngine.start(services.storage, services.bank(), format_id=format_id, persona_id=persona_id,
                                         llm=services.llm(), embedder=services.embedder(),
                                         clock=self.clock or SystemClock(), seed=self.seed)
        except Exception as error:  # any failure becomes a notification with what to do, never a traceback
            self.app.call_from_thread(self._start_failed, error)
            return
        from tutor.screens.interview import LIVE_SESSIONS

        LIVE_SESSIONS.add(engine.session.id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._open_interview, engine)

    def _start_failed(self, error: Exception) -> None:
        self.query_one("#start", Button).disabled = False
        self.notify(f"Could not start the interview: {error}", severity="error", timeout=10)

    def _open_interview(self, engine: SessionEngine) -> None:
        from tutor.screens.interview import InterviewScreen

        self.query_one("#start", Button).disabled = False
        self.app.switch_screen(InterviewScreen(engine))


def plan_table(interview_format: InterviewFormat, personas: dict[PersonaId, Persona], chosen: str) -> Table:
    """The phases with their minutes, questions and interviewer; the total at the bottom."""
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold", show_footer=True)
    total = sum(phase.minutes for phase in interview_format.phases)
    table.add_column("phase", ratio=1, min_width=12, overflow="ellipsis", no_wrap=True, footer="total")
    table.add_column("min", justify="right", width=3, footer=f"{total:g}")
    table.add_column("q", justify="right", width=2)
    table.add_column("with", ratio=1, max_width=16, overflow="ellipsis", no_wrap=True)
    for phase in interview_format.phases:
        who = personas[phase.persona].name if phase.persona else chosen
        title = f"{phase.title} (code)" if phase.kind == "coding" else phase.title
        table.add_row(title, f"{phase.minutes:g}", str(phase.questions) if phase.asks_questions else "-", who)
    return table

"""Home: the three jobs as big choices, progress at a glance, and what a key or a GPU would add."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar, cast

from pydantic import BaseModel
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tutor.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tutor.app import StartupStepDone, TutorApp
    from tutor.records import ReviewState
    from tutor.services import Services

# (screen name, key, title, what it is)
JOBS = [
    ("interview_setup", "i", "Mock interview", "timed, ten interviewers, a scorecard with a hire signal"),
    ("practice", "p", "Practice", "one question or CUDA problem at your pace; get scored"),
    ("gap_report", "g", "Gap report", "what you are weak at, the evidence, what to study next"),
]


class Glance(BaseModel):
    """What Home shows about the learner; computed off the UI thread."""

    last_scores: list[float] = []  # newest last, /10
    streak_days: int = 0
    reviews_due: int = 0
    drafts: int = 0
    answers_submitted: int = 0
    cuda_solved: int = 0


class HomeScreen(Screen[None]):
    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "app.open('interview_setup')", "Interview"),
        Binding("p", "app.open('practice')", "Practice"),
        Binding("g", "app.open('gap_report')", "Gap report"),
        Binding("r", "app.open('progress')", "Progress"),
        Binding("s", "app.open('settings')", "Settings"),
        Binding("q", "app.quit", "Quit"),
    ]

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static("What would you like to do?", id="home-title")
            yield OptionList(*[Option(self._job_label(key, title, about), id=name) for name, key, title, about in JOBS],
                             id="jobs")
            with Vertical(id="glance-box"):
                yield Static("Progress at a glance", classes="section-title")
                yield Static("Reading your progress…", id="glance", classes="muted")
                yield Static("", id="capabilities")
        yield StatusLine("ctrl+p: every command   r: progress   s: settings   ctrl+t: light/dark", id="status")
        yield Footer()

    @staticmethod
    def _job_label(key: str, title: str, about: str) -> Text:
        return Text.assemble((f" {key} ", "reverse bold"), "  ", (title, "bold"), "\n      ", (about, "dim"))

    def on_mount(self) -> None:
        self.query_one("#jobs", OptionList).highlighted = 0
        self.query_one("#jobs", OptionList).focus()
        if self.tutor.services_ready:
            self.refresh_glance()

    def on_screen_resume(self) -> None:
        if self.tutor.services_ready:
            self.refresh_glance()

    def on_startup_step_done(self, message: StartupStepDone) -> None:
        if message.name in ("bank", "llm", "gpu"):
            self.refresh_glance()

    @on(OptionList.OptionSelected, "#jobs")
    def _open_job(self, event: OptionList.OptionSelected) -> None:
        self.tutor.action_open(str(event.option.id))

    @work(thread=True, exclusive=True, group="glance", exit_on_error=False)
    def refresh_glance(self) -> None:
        services = self.tutor.services
        glance = glance_of(services)
        capabilities = capabilities_of(services)
        self.app.call_from_thread(self._show, glance, capabilities)

    def _show(self, glance: Glance, capabilities: Text) -> None:
        self.query_one("#glance", Static).update(glance_text(glance))
        self.query_one("#capabilities", Static).update(capabilities)


def glance_of(services: Services, now: datetime | None = None) -> Glance:
    """From the gap engine's progress when the bank is loaded; otherwise simple counts straight from storage."""
    from tutor.records import AnswerStatus

    now = now or datetime.now(UTC)
    storage = services.storage
    drafts = sum(1 for answer in storage.answers(status=AnswerStatus.DRAFT) if answer.text.strip() or answer.code)
    reviews = len(reviews_due_today(services, now))
    if services.bank_loaded:
        try:
            from gap_engine.progress import progress
        except ImportError:
            progress = None  # type: ignore[assignment]
        if progress is not None:
            data = progress(storage, services.bank(), now)
            return Glance(last_scores=[point.overall for point in data.scores_over_time[-5:]], streak_days=data.streak_days,
                          reviews_due=reviews, drafts=drafts, answers_submitted=data.answers_submitted,
                          cuda_solved=sum(count.solved for count in data.cuda_solved))
    cards = storage.score_cards()
    return Glance(last_scores=[stored.card.overall for stored in cards[-5:]], reviews_due=reviews, drafts=drafts,
                  answers_submitted=len(storage.answers(status=AnswerStatus.SUBMITTED)))


def reviews_due_today(services: Services, now: datetime) -> list[ReviewState]:
    """The gap engine's review schedule brought up to date with every score card, due by the end of today; without
    the gap engine's reviews module, what the stored schedule says is due now."""
    storage = services.storage
    try:
        from gap_engine.reviews import due_today, sync_reviews
    except ImportError:
        return storage.reviews_due(now)
    sync_reviews(storage)
    return due_today(storage, now)


def glance_text(glance: Glance) -> Text:
    if not glance.answers_submitted and not glance.drafts:
        return Text("Nothing answered yet. Start with a mock interview to find your gaps, or practice one question.",
                    style="italic")
    scores = ", ".join(f"{score:.1f}" for score in glance.last_scores) or "none yet"
    text = Text.assemble(("Last scores ", "dim"), (scores, "bold"), ("  /10", "dim"), "\n",
                         ("Streak ", "dim"), (f"{glance.streak_days} day{'s' if glance.streak_days != 1 else ''}", "bold"),
                         ("   Reviews due today ", "dim"), (str(glance.reviews_due), "bold"),
                         ("   Answers ", "dim"), (str(glance.answers_submitted), "bold"),
                         ("   CUDA solved ", "dim"), (str(glance.cuda_solved), "bold"))
    if glance.drafts:
        text.append(f"\n{glance.drafts} unfinished draft{'s' if glance.drafts != 1 else ''}: open Practice and "
                    "filter by 'draft' to continue.", style="italic")
    return text


def capabilities_of(services: Services) -> Text:
    """What the LLM and the GPU add, or that they are in use."""
    text = Text()
    llm = services.llm()
    text.append("LLM  ", style="bold green" if llm.online else "bold yellow")
    text.append(llm.status_line + "\n")
    gpu = services.has_gpu()
    text.append("GPU  ", style="bold green" if gpu else "bold yellow")
    text.append(services.gpu_status())
    return text

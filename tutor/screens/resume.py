"""Offered at start-up when work was interrupted (a kill, a crash, a closed terminal): an interview resumes where it
stopped, with the draft that was being typed; a practice answer or CUDA solution being written reopens with its
draft. Either can be set aside instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from tutor.records import Answer, AnswerStatus, Session, SessionStatus

if TYPE_CHECKING:
    from interviewers.clock import Clock
    from interviewers.session import SessionEngine
    from tutor.app import TutorApp


class ResumeScreen(ModalScreen[None]):
    """Unfinished interviews, newest first, then the practice drafts of a run that never closed; the highlighted
    one's draft is shown below the list."""

    DEFAULT_CSS = """
    ResumeScreen { align: center middle; }
    ResumeScreen > #resume-box { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $warning;
                                 background: $surface; padding: 1 2; }
    ResumeScreen #resume-title { text-style: bold; margin-bottom: 1; }
    ResumeScreen #sessions { height: auto; max-height: 10; }
    ResumeScreen #draft-preview { height: auto; max-height: 8; margin: 1 0; color: $text-muted; }
    ResumeScreen #resume-actions { height: auto; }
    ResumeScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resume", "Resume", show=False),
        Binding("d", "discard", "Set aside"),
        Binding("escape", "later", "Not now"),
    ]

    def __init__(self, sessions: list[Session], drafts: list[Answer] | None = None, *,
                 clock: Clock | None = None) -> None:
        super().__init__()
        self.sessions = sessions
        self.drafts = drafts or []
        self.clock = clock

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        self.sessions = self._not_open_here(self.sessions)
        with Vertical(id="resume-box"):
            yield Label(self._title(), id="resume-title")
            yield OptionList(*self._options(), id="sessions")
            yield Static(id="draft-preview")
            with Horizontal(id="resume-actions"):
                yield Button("Resume", id="resume", variant="primary")
                yield Button("Set aside", id="discard", variant="error")
                yield Button("Not now", id="later")

    def _title(self) -> str:
        parts = []
        if self.sessions:
            count = len(self.sessions)
            parts.append(f"{count} interview{'s' if count != 1 else ''} did not finish")
        if self.drafts:
            count = len(self.drafts)
            parts.append(f"the app closed while you were writing {count} practice answer{'s' if count != 1 else ''}")
        if not parts:  # nothing left to offer: the screen closes as it mounts
            return ""
        title = "; ".join(parts)
        return title[0].upper() + title[1:] + ". Resume where you stopped?"

    def _options(self) -> list[Option]:
        return ([Option(self._describe(session), id=f"session:{session.id}") for session in self.sessions] +
                [Option(self._describe_draft(draft), id=f"draft:{draft.id}") for draft in self.drafts])

    def _not_open_here(self, sessions: list[Session]) -> list[Session]:
        """An interview started in this app before the start-up check ran is running, not interrupted."""
        from tutor.screens.interview import LIVE_SESSIONS

        return [session for session in sessions if session.id not in LIVE_SESSIONS]

    def on_mount(self) -> None:
        if not self.sessions and not self.drafts:
            self.dismiss(None)
            return
        sessions = self.query_one("#sessions", OptionList)
        sessions.highlighted = 0
        self._show_draft()  # now, so the first frame already shows it (the highlight message comes after)
        sessions.focus()

    def _describe(self, session: Session) -> Text:
        from interviewers.formats import load_formats
        from interviewers.personas import load_personas
        from question_bank.models import PersonaId

        formats = load_formats()
        title = formats[session.format].title if session.format in formats else (session.format or "interview")
        persona = load_personas().get(PersonaId(session.persona)) if session.persona in set(PersonaId) else None
        line = Text.assemble((title, "bold"), f" with {persona.name}" if persona else "",
                             (f"   started {session.started_at:%Y-%m-%d %H:%M}, last saved {session.updated_at:%H:%M}",
                              "dim"))
        turns = self.tutor.services.storage.turns(session.id)
        answered = sum(1 for turn in turns if turn.role == "candidate")
        line.append(f"\n  {answered} answer(s) given", style="dim")
        if session.status == SessionStatus.PAUSED:
            line.append(", paused", style="dim")
        return line

    def _describe_draft(self, draft: Answer) -> Text:
        title = self.tutor.services.bank().get(draft.item_id).title
        kind = "CUDA solution" if draft.code else "answer"
        return Text.assemble((title, "bold"), f"  practice {kind}",
                             (f"   last saved {draft.updated_at.astimezone():%Y-%m-%d %H:%M}", "dim"))

    def _draft_of(self, session_id: str) -> str:
        drafts = [answer for answer in self.tutor.services.storage.answers(status=AnswerStatus.DRAFT)
                  if answer.session_id == session_id and answer.text.strip()]
        return drafts[-1].text if drafts else ""

    @on(OptionList.OptionHighlighted, "#sessions")
    def _show_draft(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        draft = self._draft_of(selected.id) if isinstance(selected, Session) else selected.code or selected.text
        preview = self.query_one("#draft-preview", Static)
        if draft:
            short = draft if len(draft) < 400 else draft[:400] + "…"
            preview.update(Text.assemble(("Your draft: ", "bold"), short))
        else:
            preview.update(Text("No draft was being typed.", style="italic"))

    def _selected(self) -> Session | Answer | None:
        index = self.query_one("#sessions", OptionList).highlighted
        entries: list[Session | Answer] = [*self.sessions, *self.drafts]
        return entries[index] if index is not None and index < len(entries) else None

    @on(OptionList.OptionSelected, "#sessions")
    @on(Button.Pressed, "#resume")
    def action_resume(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        if isinstance(selected, Answer):
            self.dismiss(None)
            self.tutor.open_item(selected.item_id)  # the item's screen restores its own draft
            return
        self.query_one("#resume", Button).disabled = True
        self._resume(selected.id)

    @work(thread=True, exclusive=True, group="resume")
    def _resume(self, session_id: str) -> None:
        services = self.tutor.services
        try:
            from interviewers.clock import SystemClock
            from interviewers.session import SessionEngine

            engine = SessionEngine.resume(services.storage, session_id, services.bank(), llm=services.llm(),
                                          embedder=services.embedder(), clock=self.clock or SystemClock())
        except Exception as error:
            self.app.call_from_thread(self._resume_failed, error)
            return
        self.app.call_from_thread(self._open, engine)

    def _resume_failed(self, error: Exception) -> None:
        self.query_one("#resume", Button).disabled = False
        self.notify(f"The interview could not be resumed: {error}", severity="error", timeout=10)

    def _open(self, engine: SessionEngine) -> None:
        from tutor.screens.interview import InterviewScreen

        self.dismiss(None)
        self.app.push_screen(InterviewScreen(engine))

    @on(Button.Pressed, "#discard")
    def action_discard(self) -> None:
        """An interview is marked abandoned: it stays in the database (its answers count) but is not offered again.
        A practice draft stays a draft (Practice shows it under 'with a draft'); it only leaves this list."""
        selected = self._selected()
        if selected is None:
            return
        if isinstance(selected, Answer):
            self.drafts = [draft for draft in self.drafts if draft.id != selected.id]
            self.notify("Kept as a draft: Practice shows it under 'with a draft'.", timeout=3)
        else:
            storage = self.tutor.services.storage
            storage.save_session(selected.model_copy(update={"status": SessionStatus.ABANDONED}))
            self.sessions = [s for s in self.sessions if s.id != selected.id]
            self.notify("Set aside; its answers are kept.", timeout=3)
        if not self.sessions and not self.drafts:
            self.dismiss(None)
            return
        self.query_one("#resume-title", Label).update(self._title())
        options = self.query_one("#sessions", OptionList)
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = 0

    @on(Button.Pressed, "#later")
    def action_later(self) -> None:
        self.dismiss(None)

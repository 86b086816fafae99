"""The interview: the interviewer's words stream into the transcript, you answer below, the phase clock runs on top.

The engine (interviewers/session.py) owns the state and persists every turn; this screen drives it. Engine calls that
can be slow (the interviewer's next words from an LLM, coverage from the embedding model, scoring) run in thread
workers under one lock, so the clock's tick never runs while a turn is being produced. Drafts autosave every few
seconds and before every turn, so a kill loses at most the last few seconds of typing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, LoadingIndicator, Static, TextArea

from question_bank.models import Exhibit, Question
from tutor.llm import CancelToken
from tutor.widgets.cuda_editor import CudaEditor
from tutor.widgets.judge_results import JudgeResultsView
from tutor.widgets.phase_clock import PhaseClock
from tutor.widgets.transcript import Transcript

if TYPE_CHECKING:
    from interviewers.session import EngineEvent, SessionEngine, SessionResult
    from tutor.app import TutorApp
    from tutor.judge.models import JudgeReport

AUTOSAVE_SECONDS = 3.0
# Sessions started or resumed by this process: running here, so never offered for resuming (the start-up check can
# run after the user has already started an interview).
LIVE_SESSIONS: set[str] = set()


class InterviewScreen(Screen[None]):
    CSS_PATH = "interview.tcss"
    AUTO_FOCUS = "#answer"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Terminals send Ctrl+Enter as Ctrl+J (or not at all); Ctrl+S works everywhere, tmux included.
        Binding("ctrl+s,ctrl+enter,ctrl+j", "submit", "Submit answer"),
        Binding("f2", "pause", "Pause/resume"),
        Binding("f3", "skip", "Skip question"),
        Binding("f4", "end", "End interview"),
        Binding("f5", "run_code", "Run code"),
        Binding("f6", "focus_code", "Code pane"),
    ]

    def __init__(self, engine: SessionEngine) -> None:
        super().__init__()
        self.engine = engine
        LIVE_SESSIONS.add(engine.session.id)
        self._engine_lock = threading.Lock()  # one engine call at a time: the engine is not thread-safe
        self._cancel = CancelToken()
        self._draft_dirty = False
        self._last_saved_text: str | None = None
        self._finishing = False
        self._end_requested = False
        self._turn_in_progress = False
        self._exhibits_shown: dict[str, list[Exhibit]] = {}
        self._exhibits_on_screen: tuple[str, ...] = ()
        self._code_loaded_for: str | None = None

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    # --- layout ----------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="interview-bar"):
            yield Static(id="who")
            yield Static(id="phase-info")
            yield PhaseClock(id="clock")
        with Horizontal(id="interview-body"):
            yield Transcript(interviewer_name=self._interviewer_name(), id="transcript")
            with Vertical(id="side-pane"):
                yield VerticalScroll(Static(id="exhibits-body"), id="exhibits")
                with Vertical(id="code-pane"):
                    yield CudaEditor(id="code")
                    with Horizontal(id="code-actions"):
                        yield Button("Run tests (F5)", id="run-code", variant="warning")
                        yield Static(id="run-status")
                    yield JudgeResultsView(id="run-result")
        with Vertical(id="answer-area"):
            yield TextArea("", id="answer", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
            with Horizontal(id="answer-actions"):
                yield Static(id="turn-status")
                yield Static(id="draft-status")
                yield Button("Submit (Ctrl+S)", id="submit", variant="primary")
        with Vertical(id="busy"):
            yield LoadingIndicator()
            yield Static("Scoring your answers…", id="busy-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#answer", TextArea).border_title = "Your answer"
        self.query_one("#code", TextArea).border_title = "Code"
        self.query_one("#exhibits", VerticalScroll).border_title = "Exhibits"
        self.query_one("#run-result", JudgeResultsView).query_one("#verdict", Static).update(
            "No run yet. F5 runs the tests (compile and resource report without a GPU); Ctrl+S submits code and "
            "explanation together.")
        self._restore_transcript()
        self._refresh_status()
        self.set_interval(1.0, self._tick)
        self.set_interval(AUTOSAVE_SECONDS, self._autosave)
        if self._interviewer_should_speak():
            self._converse(None, None)
        elif self.engine.finished:  # resumed after a kill between the end and the scoring
            self._start_finish()
        else:
            self._set_turn_status("Your turn.")

    def _interviewer_name(self) -> str:
        return self.engine.interviewer_for().persona.name

    # --- status bar, clock and side pane ---------------------------------------------------------------------

    def _refresh_status(self) -> None:
        engine = self.engine
        phase = engine.phase
        next_phase = engine.next_phase
        info = Text()
        if phase is not None:
            info.append(phase.title, style="bold")
            question = engine.current_question
            if question is not None and phase.asks_questions:
                number, of = engine.question_number
                info.append(f"  question {number}/{of}", style="dim")
        info.append("   next: ", style="dim")
        info.append(next_phase.title if next_phase is not None else "scorecard")
        self.query_one("#phase-info", Static).update(info)
        self.query_one("#who", Static).update(Text(self._interviewer_name(), style="bold"))
        clock = self.query_one(PhaseClock)
        clock.seconds_left = engine.phase_seconds_left
        clock.paused = self._paused()
        self._refresh_side_pane()

    def _paused(self) -> bool:
        return self.engine.paused

    def _coding_phase(self) -> bool:
        phase = self.engine.phase
        return phase is not None and phase.kind == "coding"

    def _refresh_side_pane(self) -> None:
        exhibits = self._revealed_exhibits()
        coding = self._coding_phase()
        self.query_one("#exhibits", VerticalScroll).display = bool(exhibits)
        self.query_one("#code-pane", Vertical).display = coding
        self.set_class(coding, "-coding")
        if coding:
            self._load_starter_code()
        self.query_one("#side-pane", Vertical).display = bool(exhibits) or coding
        shown = tuple(exhibit.title for exhibit in exhibits)
        if exhibits and shown != self._exhibits_on_screen:
            body = [Text.assemble((f"{exhibit.title}\n", "bold"), (exhibit.kind, "dim")) for exhibit in exhibits]
            self.query_one("#exhibits-body", Static).update(_exhibit_group(exhibits, body))
        self._exhibits_on_screen = shown

    def _load_starter_code(self) -> None:
        """A new coding question opens with the problem's starter file in the code pane (a saved draft wins)."""
        question = self.engine.current_question
        if question is None or question.cuda is None or question.id == self._code_loaded_for:
            return
        self._code_loaded_for = question.id
        draft = self.engine.draft
        starter = self.tutor.services.bank().problem_dir(question.id) / "starter.cu"
        if draft is not None and draft.code:
            code = draft.code
        else:
            code = starter.read_text(encoding="utf-8") if starter.is_file() else ""
        self.query_one("#code", CudaEditor).text = code

    def _revealed_exhibits(self) -> list[Exhibit]:
        """The open question's exhibits shown so far: those it came with, and those revealed on request."""
        question = self.engine.current_question
        if question is None:
            return []
        shown = self._exhibits_shown.get(question.id, [])
        upfront = [exhibit for exhibit in question.exhibits if exhibit.reveal == "upfront"]
        return upfront + [exhibit for exhibit in shown if exhibit not in upfront]

    def _note_exhibits_of_next_line(self) -> str | None:
        """Who says the interviewer's next line; its exhibits go to the side pane too (the line also quotes them)."""
        from interviewers.interviewer import InterviewerMove
        from interviewers.personas import load_personas

        if not self.engine.state.pending:
            return None
        pending = self.engine.state.pending[0]
        move = InterviewerMove.model_validate(pending.move)
        shown = list(move.exhibits) or ([move.exhibit] if move.exhibit else [])
        if move.item_id and shown:
            self._exhibits_shown.setdefault(move.item_id, []).extend(shown)
        return load_personas()[pending.persona].name

    def _tick(self) -> None:
        if self._finishing:
            return
        if self._draft_dirty and self.engine.phase_seconds_left <= 2 * AUTOSAVE_SECONDS:
            self._autosave()  # time running out submits the saved draft: save the latest words first
        if self._engine_lock.acquire(blocking=False):
            try:
                events = self.engine.tick()
            finally:
                self._engine_lock.release()
            self._handle_events(events)
        self._refresh_status()

    # --- transcript ------------------------------------------------------------------------------------------

    def _restore_transcript(self) -> None:
        """A resumed session shows what was said before, and the saved draft in the answer box."""
        transcript = self.query_one(Transcript)
        phases = {phase.id: phase for phase in self.engine.format.phases}
        for turn in self.engine.transcript:
            phase = phases.get(turn.phase or "")
            speaker = self.engine.interviewer_for(phase).persona.name if phase is not None else None
            transcript.add_turn(turn.role, turn.text, speaker=speaker)
        draft = self.engine.draft_text
        if draft:
            self.query_one("#answer", TextArea).text = draft
            self._last_saved_text = draft


    def _interviewer_should_speak(self) -> bool:
        return self.engine.has_pending_speech

    # --- answering -------------------------------------------------------------------------------------------

    @on(TextArea.Changed, "#answer")
    def _answer_changed(self) -> None:
        self._draft_dirty = True

    @on(TextArea.Changed, "#code")
    def _code_changed(self) -> None:
        self._draft_dirty = True

    def _autosave(self) -> None:
        if not self._draft_dirty or self._finishing or self.engine.finished:
            return
        text = self.query_one("#answer", TextArea).text
        if text == (self._last_saved_text or "") and self._code() is None:
            self._draft_dirty = False
            return
        if self._engine_lock.acquire(blocking=False):  # busy: the next interval saves it
            try:
                self.engine.save_draft(text, code=self._code())
            finally:
                self._engine_lock.release()
            self._draft_dirty = False
            self._last_saved_text = text
            self.query_one("#draft-status", Static).update(Text("draft saved", style="dim"))

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self._busy() or self._finishing:
            self.notify("The interviewer is still talking; your text is kept.", timeout=3)
            return
        answer = self.query_one("#answer", TextArea)
        text = answer.text.strip()
        code = self._code()
        if self.engine.paused:
            self.notify("The clock is paused: F2 to resume, then submit.", severity="warning", timeout=3)
            return
        if not text and not code:
            self.notify("Type an answer first (or F3 to skip the question).", severity="warning", timeout=3)
            return
        self.query_one(Transcript).add_turn("candidate", text + (f"\n\n[code: {len(code.splitlines())} lines]" if code else ""))
        answer.text = ""
        self._last_saved_text = ""
        self._set_turn_status("The interviewer is thinking…")
        self._converse(text, code)

    def _code(self) -> str | None:
        """The code pane's text in a coding phase (None elsewhere, or when it is empty)."""
        if not self._coding_phase():
            return None
        return self.query_one("#code", TextArea).text.strip() or None

    def _busy(self) -> bool:
        """A turn is being taken (set and cleared on the UI thread, so a key press never sees a stale state)."""
        return self._turn_in_progress

    def _converse(self, answer: str | None, code: str | None) -> None:
        self._turn_in_progress = True
        self._take_turn(answer, code)

    @work(thread=True, exclusive=True, group="converse")
    def _take_turn(self, answer: str | None, code: str | None) -> None:
        """Submit (when there is an answer), then stream whatever the interviewer says next."""
        call = self.app.call_from_thread
        transcript = self.query_one(Transcript)
        call(self._set_turn_status, "The interviewer is speaking…")
        try:
            with self._engine_lock:
                if answer is not None:
                    self.engine.save_draft(answer, code=code)
                    events = self.engine.submit(answer, code=code)
                    call(self._handle_events, events, False)
                while self.engine.has_pending_speech and not self._cancel.cancelled:
                    speaker = self._note_exhibits_of_next_line()
                    call(transcript.start_stream, speaker)
                    for chunk in self.engine.interviewer_turn(cancel=self._cancel):
                        call(transcript.append_chunk, chunk)
                    call(transcript.end_stream)
        except Exception as error:  # shown as a notification with what happened; the session is saved
            call(transcript.end_stream)
            call(self._turn_failed, error, answer)
        call(self._after_turn)

    def _turn_failed(self, error: Exception, answer: str | None) -> None:
        recorded = [turn.text for turn in self.engine.transcript if turn.role == "candidate"]
        if answer is not None and (not recorded or recorded[-1] != answer.strip()):
            self.query_one("#answer", TextArea).text = answer  # not taken: give it back to edit and resend
            message = "Your answer is back in the box; press Ctrl+S to send it again."
        else:
            message = "Everything said so far is saved."
        self.notify(f"The interviewer stumbled: {error}. {message}", severity="error", timeout=10)

    def _set_turn_status(self, text: str) -> None:
        self.query_one("#turn-status", Static).update(Text(text, style="italic"))

    def _after_turn(self) -> None:
        self._turn_in_progress = False
        self._refresh_status()
        self._set_turn_status("" if self.engine.finished else "Your turn.")
        if self._end_requested and not self.engine.finished:
            self._end_requested = False
            self.action_end()
        elif self.engine.finished and not self._finishing:
            self._start_finish()
        elif self._coding_phase():
            self.query_one("#code", TextArea).focus()
        else:
            self.query_one("#answer", TextArea).focus()

    def _handle_events(self, events: Iterable[EngineEvent], speak: bool = True) -> None:
        """Shows what the engine reports; `speak`: let the interviewer say what the events queued (not mid-turn)."""
        transcript = self.query_one(Transcript)
        for event in events:
            if event.type == "two_minute_warning":
                self.notify(f"Two minutes left in {self.engine.phase.title if self.engine.phase else 'this phase'}.",
                            title="Time", severity="warning", timeout=6)
            elif event.type == "phase_started":
                transcript.add_turn("system", f"{event.round + ': ' if event.round else ''}{event.title} "
                                              f"({event.minutes:g} min)")
            elif event.type == "phase_ended" and event.reason == "time":
                note = " Your draft was submitted as the answer." if event.draft_submitted else ""
                transcript.add_turn("system", f"Time is up for this phase.{note}")
                self.query_one("#answer", TextArea).text = ""
            elif event.type == "judge_finished":
                transcript.add_turn("system", f"Judge: {event.verdict}. {event.summary}")
        self._refresh_status()
        if speak and not self._busy() and self.engine.has_pending_speech:
            self._converse(None, None)

    # --- pause, skip, end ------------------------------------------------------------------------------------

    def action_pause(self) -> None:
        with self._engine_lock:
            if self._paused():
                self.engine.resume_clock()
                self.notify("Clock running again.", timeout=2)
            else:
                self.engine.pause()
                self.notify("Paused: the clock has stopped. F2 to go on.", timeout=3)
        self._refresh_status()

    def action_skip(self) -> None:
        if self._busy() or self.engine.finished:
            return
        with self._engine_lock:
            events = self.engine.skip()
        self.query_one(Transcript).add_turn("system", "Question skipped.")
        self.query_one("#answer", TextArea).text = ""
        self._handle_events(events)

    def action_end(self) -> None:
        """End now: what is typed counts as the last answer; the interviewer closes; then the scorecard."""
        if self._finishing:
            return
        if self._busy():
            self._end_requested = True
            self.notify("Ending once the interviewer finishes this line.", timeout=3)
            return
        if not self.engine.finished:
            text = self.query_one("#answer", TextArea).text
            with self._engine_lock:
                if text.strip() or self._code():
                    self.engine.save_draft(text, code=self._code())
                events = self.engine.end()
            self._handle_events(events, speak=False)
            self._converse(None, None)  # the closing line; its end starts the scoring
            return
        self._start_finish()

    def _start_finish(self) -> None:
        if self._finishing:
            return
        self._finishing = True
        self.query_one("#busy").display = True
        self._finish()

    @work(thread=True, exclusive=True, group="finish")
    def _finish(self) -> None:
        with self._engine_lock:
            try:
                result = self.engine.finish()
            except Exception as error:
                self.app.call_from_thread(self._finish_failed, error)
                return
        self.app.call_from_thread(self._show_scorecard, result)

    def _finish_failed(self, error: Exception) -> None:
        self._finishing = False
        self.query_one("#busy").display = False
        self.notify(f"Scoring failed: {error}. Every answer is saved; press F4 to try again.", severity="error",
                    timeout=12)

    def _show_scorecard(self, result: SessionResult) -> None:
        from tutor.screens.scorecard import ScorecardScreen

        self.app.switch_screen(ScorecardScreen(result, self.engine.bank))

    # --- code ------------------------------------------------------------------------------------------------

    def action_focus_code(self) -> None:
        if self._coding_phase():
            self.query_one("#code", TextArea).focus()

    @on(Button.Pressed, "#run-code")
    def action_run_code(self) -> None:
        if not self._coding_phase():
            self.notify("Running code is for coding phases.", timeout=3)
            return
        question = self.engine.current_question
        if question is None or question.cuda is None:
            return
        self.query_one("#run-status", Static).update("compiling and running…")
        self._run_judge(question, self.query_one("#code", TextArea).text)

    @work(thread=True, exclusive=True, group="judge")
    def _run_judge(self, question: Question, source: str) -> None:
        """A trial run of the tests (not stored: the engine judges and stores the code you submit)."""
        from tutor.judge.api import judge

        services = self.tutor.services
        try:
            report = judge(question, services.bank().problem_dir(question.id), source, "check",
                           cache_dir=services.judge_cache_dir, worker=services.judge_worker())
        except Exception as error:  # a judge failure is a notification, never a traceback
            self.app.call_from_thread(self._run_failed, error)
            return
        self.app.call_from_thread(self._show_run, report)

    def _run_failed(self, error: Exception) -> None:
        self.query_one("#run-status", Static).update("")
        self.notify(f"The judge failed: {error}", severity="error", timeout=10)

    def _show_run(self, report: JudgeReport) -> None:
        self.query_one("#run-status", Static).update(Text(report.verdict.value.replace("_", " "), style="bold"))
        self.query_one("#run-result", JudgeResultsView).show(report)

    def on_unmount(self) -> None:
        self._cancel.cancel()


def _exhibit_group(exhibits: list[Exhibit], headings: list[Text]) -> Group:
    parts: list[RenderableType] = []
    for exhibit, heading in zip(exhibits, headings, strict=True):
        parts.append(heading)
        if exhibit.kind == "code":
            parts.append(Syntax(exhibit.content, exhibit.language or "cpp", word_wrap=True, theme="ansi_dark"))
        else:
            parts.append(Text(exhibit.content))
        parts.append(Text(""))
    return Group(*parts)

"""One question at your own pace: read, write (the draft saves itself), take hints one at a time, submit, get scored."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Markdown, Static, TextArea
from textual.worker import Worker, get_current_worker

from tutor.records import Answer
from tutor.widgets.markdown_text import MarkdownText
from tutor.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from question_bank.models import Question
    from rubrics.scorecard import ScoreCard
    from tutor.app import TutorApp
    from tutor.storage import Storage

AUTOSAVE_SECONDS = 3.0
WRITING_HINT = "Write your answer; it saves itself every few seconds and when you leave."


class QuestionScreen(Screen[None]):
    CSS_PATH = "question.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+g", "hint", "Hint"),
        Binding("f3", "model_answer", "Model answer"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self._scoring: Worker[None] | None = None
        # Held here, not queried: the draft is saved once more as the screen is taken down, after its children.
        self._editor = TextArea(id="answer", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self._take(question)

    def _take(self, question: Question) -> None:
        """Everything that belongs to one question; the screen is kept and reused for the next one."""
        self.question = question
        self.answer = Answer(item_id=question.id)
        self._saved_text = ""
        self._opened_at = time.monotonic()
        self.last_card: ScoreCard | None = None

    def show_question(self, question: Question) -> None:
        """Reuse this screen for `question` (building a new one costs more than filling this one)."""
        if question.id == self.question.id:
            return
        if self._scoring is not None and self._scoring.is_running:
            self.action_cancel_scoring()  # its result would land on the wrong question
        self.save_draft()
        self._take(question)
        if self.is_mounted:
            self._fill()

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    @property
    def editor(self) -> TextArea:
        return self._editor

    def compose(self) -> ComposeResult:
        question = self.question
        yield Header()
        with Vertical(id="question-body"):
            with VerticalScroll(id="prompt-pane"):
                yield Static(id="question-title")
                yield MarkdownText(question.prompt, id="prompt")
                yield Static(id="hints")
            yield self._editor
            with Horizontal(id="actions"):
                yield Button("Submit  ctrl+s", id="submit", variant="primary", compact=True)
                yield Button(self._hint_button_label(), id="hint", compact=True)
                yield Button("Cancel scoring", id="cancel", variant="warning", compact=True)
        yield StatusLine(WRITING_HINT, id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).display = False
        self._fill(prompt_shown=True)
        self.set_interval(AUTOSAVE_SECONDS, self.save_draft)

    def _fill(self, *, prompt_shown: bool = False) -> None:
        """Shows the current question and its saved draft, if any."""
        question = self.question
        self.title = question.title
        self.query_one("#question-title", Static).update(Text.assemble(
            (question.title, "bold"),
            (f"   {question.category.value} · {question.difficulty.value} · about {question.time_budget_minutes} min",
             "dim")))
        if not prompt_shown:
            self.query_one("#prompt", MarkdownText).update_markdown(question.prompt)
        self.query_one("#prompt-pane", VerticalScroll).scroll_home(animate=False)
        draft = self.tutor.services.storage.latest_draft(question.id)
        if draft is not None:
            self.answer = draft
            self._saved_text = draft.text
        self.editor.read_only = False
        self.editor.load_text(self._saved_text)
        if draft is not None and self.is_current:  # not when built ahead, off-stage
            self.notify("Your draft was restored.", timeout=3)
        self._show_hints()
        self.query_one("#status", StatusLine).set_hint(WRITING_HINT)
        self.editor.focus()

    # --- drafts ---------------------------------------------------------------------------------------------

    def save_draft(self) -> None:
        """Saves when the text or the hints changed since the last save; cheap enough for the UI thread."""
        text = self.editor.text
        if text == self._saved_text:  # unchanged since the last save, or since the attempt that was scored
            return
        if not text.strip() and self.answer.id is None and not self.answer.hints_used:
            return
        now = time.monotonic()
        spent = self.answer.seconds_spent + (now - self._opened_at)
        self._opened_at = now
        try:
            self.answer = self.tutor.services.storage.save_answer(
                self.answer.model_copy(update={"text": text, "seconds_spent": spent}))
        except Exception as error:
            self.tutor.report_error("The draft could not be saved", error)
            return
        self._saved_text = text
        if self.is_mounted and self.query("#status"):
            self.query_one("#status", StatusLine).set_hint(f"Draft saved at {time.strftime('%H:%M:%S')}.")

    def on_screen_suspend(self) -> None:
        self.save_draft()

    def on_screen_resume(self) -> None:
        self._opened_at = time.monotonic()  # time away from the screen is not time spent on the answer

    def on_unmount(self) -> None:
        self.save_draft()

    # --- hints ----------------------------------------------------------------------------------------------

    def _hint_button_label(self) -> str:
        left = len(self.question.hints) - self.answer.hints_used
        return f"Hint ({left} left)  ctrl+g" if self.question.hints else "No hints"

    def _show_hints(self) -> None:
        shown = self.question.hints[:self.answer.hints_used]
        hints = Text()
        for number, hint in enumerate(shown, 1):
            hints.append(f"Hint {number}: ", style="bold yellow")
            hints.append(hint + "\n")
        self.query_one("#hints", Static).update(hints)
        button = self.query_one("#hint", Button)
        button.label = self._hint_button_label()
        button.disabled = self.answer.hints_used >= len(self.question.hints)

    @on(Button.Pressed, "#hint")
    def action_hint(self) -> None:
        if self.answer.hints_used >= len(self.question.hints):
            self.notify("No more hints for this question." if self.question.hints else "This question has no hints.")
            return
        self.answer = self.answer.model_copy(update={"hints_used": self.answer.hints_used + 1})
        self._show_hints()
        self.save_draft_now()
        self.notify("Hints lower the score a little; they are recorded with your answer.", timeout=4)
        self.query_one("#prompt-pane", VerticalScroll).scroll_end(animate=False)

    def save_draft_now(self) -> None:
        self._saved_text = "\0"  # force a write: the hint count changed even if the text did not
        self.save_draft()

    # --- submit and score -------------------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self._scoring is not None and self._scoring.is_running:
            self.notify("Scoring is already running.")
            return
        text = self.query_one("#answer", TextArea).text
        if not text.strip():
            self.notify("Write an answer first.", severity="warning")
            return
        self.save_draft_now()
        self.query_one("#answer", TextArea).read_only = True
        self.query_one("#submit", Button).disabled = True
        self.query_one("#cancel", Button).display = True
        self.tutor.status_text = "scoring your answer…"
        self._scoring = self._score(self.answer)

    @work(thread=True, exclusive=True, group="score", exit_on_error=False)
    def _score(self, answer: Answer) -> None:
        services = self.tutor.services
        question = self.question  # the screen may be showing another question by the time this ends
        worker = get_current_worker()
        try:
            from rubrics.scoring import score_answer
        except ImportError:
            self.app.call_from_thread(self._scoring_failed, "Scoring is not built yet (rubrics/scoring.py is missing); "
                                      "your answer is kept as a draft.")
            return
        try:
            card = score_answer(question, answer.text, llm=services.llm(), embedder=services.embedder(),
                                hints_used=answer.hints_used)
        except Exception as error:
            message = getattr(error, "user_message", None) or f"{type(error).__name__}: {error}"
            self.app.call_from_thread(self._scoring_failed, f"Scoring failed ({message}); your answer is kept as a draft.")
            return
        if worker.is_cancelled:
            return
        submitted = services.storage.submit_answer(answer)
        services.storage.add_score_card(card, submitted.id)
        schedule_review(services.storage, question.id, card.overall)
        self.app.call_from_thread(self._scored, submitted, card)

    def _scoring_done(self) -> None:
        self.query_one("#cancel", Button).display = False
        self.query_one("#submit", Button).disabled = False
        self.tutor.status_text = ""

    def _scoring_failed(self, message: str) -> None:
        self._scoring_done()
        self.query_one("#answer", TextArea).read_only = False
        self.notify(message, severity="error", timeout=12)

    def _scored(self, submitted: Answer, card: ScoreCard) -> None:
        self._scoring_done()
        self.last_card = card
        # The next words typed here start a new attempt; the submitted one stays as it was.
        self.answer = Answer(item_id=self.question.id, text=submitted.text, hints_used=submitted.hints_used)
        self._saved_text = submitted.text
        self.query_one("#answer", TextArea).read_only = False
        self.query_one("#status", StatusLine).set_hint(f"Scored {card.overall:.1f}/10. Edit and ctrl+s to try again.")
        self.app.push_screen(ScoreResultScreen(card, self.question))

    @on(Button.Pressed, "#cancel")
    def action_cancel_scoring(self) -> None:
        if self._scoring is not None and self._scoring.is_running:
            self._scoring.cancel()
            self._scoring_done()
            self.query_one("#answer", TextArea).read_only = False
            self.notify("Scoring cancelled; your answer is kept as a draft.")

    # --- other actions --------------------------------------------------------------------------------------

    def action_model_answer(self) -> None:
        if self.last_card is None and not self.tutor.services.storage.score_cards(self.question.id):
            self.notify("The model answer opens after your first scored attempt: try it yourself first.")
            return
        self.app.push_screen(ModelAnswerScreen(self.question))

    def action_back(self) -> None:
        self.save_draft()
        self.app.pop_screen()


def schedule_review(storage: Storage, item_id: str, overall: float) -> None:
    """A scored practice answer is a review of its question: a weak one puts it on the spaced-review schedule."""
    try:
        from gap_engine.reviews import record_answer
    except ImportError:
        return  # the schedule catches up from the stored cards when the gap engine is there (sync_reviews)
    record_answer(storage, item_id, overall)


class ScoreResultScreen(ModalScreen[None]):
    """The score card of one practice answer, over the question screen."""

    DEFAULT_CSS = """
    ScoreResultScreen { align: center middle; }
    ScoreResultScreen > #result-box { width: 96%; max-width: 120; height: 90%; border: thick $primary;
                                      background: $surface; padding: 0 1; }
    ScoreResultScreen #result-scroll { height: 1fr; }
    ScoreResultScreen #result-actions { height: 1; margin-top: 1; }
    ScoreResultScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss_result", "Close"),
        Binding("f3", "model_answer", "Model answer"),
    ]

    def __init__(self, card: ScoreCard, question: Question) -> None:
        super().__init__()
        self.card = card
        self.question = question

    def compose(self) -> ComposeResult:
        from tutor.widgets.scorecard_view import ScorecardView

        with Vertical(id="result-box"):
            with VerticalScroll(id="result-scroll"):
                yield ScorecardView(self.card, self.question, id="card")
            with Horizontal(id="result-actions"):
                yield Button("Close  esc", id="close", variant="primary", compact=True)
                yield Button("Model answer  f3", id="model", compact=True)

    def on_mount(self) -> None:
        self.query_one("#result-scroll", VerticalScroll).focus()

    @on(Button.Pressed, "#close")
    def action_dismiss_result(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#model")
    def action_model_answer(self) -> None:
        self.app.push_screen(ModelAnswerScreen(self.question))


class ModelAnswerScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ModelAnswerScreen { align: center middle; }
    ModelAnswerScreen > VerticalScroll { width: 96%; max-width: 120; height: 90%; border: thick $accent;
                                         background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f3", "close", "Close")]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        rubric = "\n".join(f"- **{point.text}** (weight {point.weight:g})" for point in self.question.rubric)
        with VerticalScroll():
            yield Markdown(f"## Model answer\n\n{self.question.model_answer}\n\n## Rubric\n\n{rubric}")

    def action_close(self) -> None:
        self.dismiss(None)

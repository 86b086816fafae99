"""The timed interview session engine: a state machine with no UI, driven by the app or the line-mode CLI.

A session runs the phases of a format (``formats.yaml``) with an injectable clock. The questions of every phase are
chosen when the session starts (seeded) and kept in ``Session.state``, so a resumed session asks the same questions.
Every turn is written to storage the moment it happens; the state is written right after, and on resume any turn the
state has not yet accounted for (the process died between the two writes) is replayed, so nothing said is lost or
said twice. Drafts are saved as answers with status draft and come back on resume.

Time: the state keeps the seconds the current phase has used, never a clock reading (a monotonic clock means nothing
in another process). Time passes only while an engine runs and is not paused: the minutes a killed process stayed
dead do not count, because a crash is not the candidate's time. What a kill can lose is the time since the last
write: every turn, draft and pause writes it, and ``tick()`` writes it at least every ``CHECKPOINT_SECONDS``.
A phase whose questions are done before its time ends at once; the next starts with its full time. A phase whose
time runs out submits the non-empty draft of the open question (what the candidate wrote counts) and moves on.
"""

from __future__ import annotations

import functools
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Concatenate, Literal, ParamSpec, TypeVar

from pydantic import BaseModel, Field

from interviewers.clock import Clock, SystemClock
from interviewers.formats import TWO_MINUTES, InterviewFormat, PhaseSpec, load_formats
from interviewers.interviewer import Interviewer, InterviewerMove, is_clarifying_question
from interviewers.personas import load_personas
from question_bank.loader import Bank
from question_bank.models import PersonaId, Question
from rubrics.scorecard import ScoreCard
from rubrics.scoring import SessionScore
from tutor.llm import LLMCancelled, LLMError
from tutor.records import Answer, AnswerStatus, JudgeRun, Session, SessionStatus, Turn
from tutor.storage import Storage

if TYPE_CHECKING:
    from gap_engine.embeddings import Embedder
    from tutor.judge.models import JudgeReport
    from tutor.judge.worker import JudgeWorker
    from tutor.llm import LLM, CancelToken

P = ParamSpec("P")
R = TypeVar("R")

CHECKPOINT_SECONDS = 5.0
CHOICE_BREADTH = 3  # a phase's questions are drawn from the persona's top (questions x this) candidates
STATE_VERSION = 1


class SessionError(Exception):
    """The engine cannot do what was asked (unknown format, answering while paused, ...); the message says why."""


# --- events --------------------------------------------------------------------------------------------------------


class PhaseStarted(BaseModel):
    type: Literal["phase_started"] = "phase_started"
    phase_id: str
    title: str
    index: int
    minutes: float
    round: str | None = None


class QuestionStarted(BaseModel):
    type: Literal["question_started"] = "question_started"
    phase_id: str
    item_id: str
    number: int  # 1-based within the phase
    of: int


class TwoMinuteWarning(BaseModel):
    type: Literal["two_minute_warning"] = "two_minute_warning"
    phase_id: str
    seconds_left: float


class PhaseEnded(BaseModel):
    type: Literal["phase_ended"] = "phase_ended"
    phase_id: str
    reason: Literal["time", "done", "skipped", "ended"]
    draft_submitted: bool = False  # time ran out and the open draft was submitted as the answer


class JudgeFinished(BaseModel):
    type: Literal["judge_finished"] = "judge_finished"
    item_id: str
    verdict: str
    passed: bool
    summary: str


class SessionEnded(BaseModel):
    type: Literal["session_ended"] = "session_ended"
    reason: Literal["completed", "ended_early"]


EngineEvent = Annotated[
    PhaseStarted | QuestionStarted | TwoMinuteWarning | PhaseEnded | JudgeFinished | SessionEnded,
    Field(discriminator="type"),
]


# --- results -------------------------------------------------------------------------------------------------------


class ItemResult(BaseModel):
    item_id: str
    title: str
    phase_id: str
    answered: bool
    card: ScoreCard | None = None
    answer_id: int | None = None  # the item's last submitted answer in the session; the card is stored against it
    points: float | None = None  # final assessment only: the item's points earned
    max_points: float | None = None


class AssessmentPartResult(BaseModel):
    title: str
    points: float
    max_points: int


class AssessmentResult(BaseModel):
    total: float
    max_points: int
    band: str
    advice: str
    parts: list[AssessmentPartResult]


class SessionResult(BaseModel):
    session_id: str
    format_id: str
    persona: str
    items: list[ItemResult]
    summary: SessionScore | None  # None when nothing was answered
    assessment: AssessmentResult | None = None
    planned: int  # questions the plan held
    asked: int
    answered: int


# --- the resumable state -------------------------------------------------------------------------------------------


class PendingSpeech(BaseModel):
    """Something the interviewer still has to say: kept in the state until its turn is written."""

    persona: PersonaId
    move: dict[str, Any]  # InterviewerMove as JSON


class EngineState(BaseModel):
    version: int = STATE_VERSION
    format_id: str
    persona: PersonaId
    seed: int
    plan: list[list[str]]  # per phase, the item ids it asks (a continuing phase repeats its anchor's item)
    phase_index: int = 0
    question_index: int = 0
    phase_elapsed: float = 0.0  # seconds the current phase has used
    reply_started_at: float = 0.0  # phase_elapsed when the candidate's current reply began
    running: bool = True
    warned: bool = False
    ended: bool = False
    end_reason: Literal["completed", "ended_early"] | None = None
    pending: list[PendingSpeech] = []
    turns_seen: int = -1  # the highest turn seq this state accounts for
    asked: list[str] = []
    hints: dict[str, int] = {}
    scored: dict[str, int] = {}  # item id -> stored score card id
    qa_draft: str = ""


def _locked(method: Callable[Concatenate[SessionEngine, P], R]) -> Callable[Concatenate[SessionEngine, P], R]:
    """One engine call at a time: the app ticks from its timer while a worker thread submits an answer."""

    @functools.wraps(method)
    def wrapper(self: SessionEngine, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class SessionEngine:
    """One interview session. Calls are serialised by a lock; ``tick()`` returns at once while another call runs."""

    def __init__(self, storage: Storage, bank: Bank, fmt: InterviewFormat, session: Session, state: EngineState, *,
                 llm: LLM | None, embedder: Embedder | None, clock: Clock,
                 judge_worker: JudgeWorker | None = None, judge_cache_dir: Path | None = None) -> None:
        self.storage = storage
        self.bank = bank
        self.format = fmt
        self._session = session
        self.state = state
        self.llm = llm
        self.embedder = embedder
        self.clock = clock
        self.judge_worker = judge_worker
        self.judge_cache_dir = judge_cache_dir or storage.path.parent / "judge"
        self._interviewers: dict[PersonaId, Interviewer] = {}
        self._lock = threading.RLock()
        self._transcript: list[Turn] = storage.turns(session.id)
        self._segment_start = clock.now()
        self._last_saved = clock.now()
        self.start_events: list[EngineEvent] = []  # what start() or resume() produced, for the UI to show first

    # --- creating and resuming ----------------------------------------------------------------------------------

    @classmethod
    def start(cls, storage: Storage, bank: Bank, *, format_id: str, persona_id: PersonaId | str | None = None,
              llm: LLM | None = None, embedder: Embedder | None = None, clock: Clock | None = None,
              seed: int | None = None, judge_worker: JudgeWorker | None = None,
              judge_cache_dir: Path | None = None, session_id: str | None = None) -> SessionEngine:
        """A new session, its questions chosen and its first lines queued. Pass ``session_id`` (from
        ``new_session_id``) when something built before it, such as the LLM's usage records, needs the id."""
        formats = load_formats()
        if format_id not in formats:
            raise SessionError(f"unknown interview format '{format_id}'; choose one of {', '.join(formats)}")
        fmt = formats[format_id]
        try:
            persona = PersonaId(persona_id) if persona_id is not None else fmt.default_persona
        except ValueError:
            raise SessionError(f"unknown persona '{persona_id}'; choose one of "
                               f"{', '.join(p.value for p in PersonaId)}") from None
        seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        session = Session(id=session_id or cls.new_session_id(fmt.id), kind="interview", format=fmt.id,
                          persona=persona.value)
        state = EngineState(format_id=fmt.id, persona=persona, seed=seed, plan=[])
        engine = cls(storage, bank, fmt, session, state, llm=llm, embedder=embedder, clock=clock or SystemClock(),
                     judge_worker=judge_worker, judge_cache_dir=judge_cache_dir)
        state.plan = engine._build_plan()
        engine._save()  # the session row first: turns refer to it
        engine.start_events = engine._enter_phase(0)
        engine._save()
        return engine

    @staticmethod
    def new_session_id(format_id: str) -> str:
        return f"{format_id}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"

    @classmethod
    def resume(cls, storage: Storage, session_id: str, bank: Bank, *, llm: LLM | None = None,
               embedder: Embedder | None = None, clock: Clock | None = None, judge_worker: JudgeWorker | None = None,
               judge_cache_dir: Path | None = None) -> SessionEngine:
        """The session as it was when last written; a turn written after the last state write is replayed."""
        session = storage.get_session(session_id)
        if session.kind != "interview":
            raise SessionError(f"session '{session_id}' is a {session.kind} session, not an interview")
        if session.status in (SessionStatus.FINISHED, SessionStatus.ABANDONED):
            raise SessionError(f"session '{session_id}' is {session.status.value}; start a new interview instead")
        state = EngineState.model_validate(session.state)
        if state.version != STATE_VERSION:
            raise SessionError(f"session '{session_id}' was saved by another version of the engine "
                               f"(state {state.version}, this is {STATE_VERSION})")
        formats = load_formats()
        if state.format_id not in formats:
            raise SessionError(f"session '{session_id}' uses format '{state.format_id}', which no longer exists")
        engine = cls(storage, bank, formats[state.format_id], session, state, llm=llm, embedder=embedder,
                     clock=clock or SystemClock(), judge_worker=judge_worker, judge_cache_dir=judge_cache_dir)
        engine.start_events = engine._replay_unseen_turns()
        engine._save()
        return engine

    @staticmethod
    def unfinished(storage: Storage) -> list[Session]:
        """Interviews that were running or paused when last written, newest first."""
        found = [*storage.sessions(SessionStatus.ACTIVE), *storage.sessions(SessionStatus.PAUSED)]
        interviews = [session for session in found if session.kind == "interview"]
        return sorted(interviews, key=lambda session: session.updated_at, reverse=True)

    # --- what the UI reads --------------------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session

    @property
    def finished(self) -> bool:
        """No phase is left (time ran out, or the candidate ended it); finish() scores it."""
        return self.state.ended

    @property
    def paused(self) -> bool:
        return not self.state.running and not self.state.ended

    @property
    def phase(self) -> PhaseSpec | None:
        return None if self.state.ended else self.format.phases[self.state.phase_index]

    @property
    def next_phase(self) -> PhaseSpec | None:
        following = self.state.phase_index + 1
        return None if self.state.ended or following >= len(self.format.phases) else self.format.phases[following]

    @property
    def phase_elapsed(self) -> float:
        running = self.state.running and not self.state.ended
        return self.state.phase_elapsed + (self.clock.now() - self._segment_start if running else 0.0)

    @property
    def phase_seconds_left(self) -> float:
        phase = self.phase
        return 0.0 if phase is None else max(0.0, phase.seconds - self.phase_elapsed)

    @property
    def session_seconds_left(self) -> float:
        later = sum(phase.seconds for phase in self.format.phases[self.state.phase_index + 1:])
        return 0.0 if self.state.ended else self.phase_seconds_left + later

    @property
    def current_question(self) -> Question | None:
        phase = self.phase
        if phase is None or phase.kind == "qa":
            return None
        plan = self.state.plan[self.state.phase_index]
        return self.bank.get(plan[self.state.question_index]) if self.state.question_index < len(plan) else None

    @property
    def question_number(self) -> tuple[int, int]:
        """(1-based number of the open question in its phase, questions in the phase)."""
        return self.state.question_index + 1, len(self.state.plan[self.state.phase_index])

    @property
    def transcript(self) -> list[Turn]:
        return list(self._transcript)

    @property
    def has_pending_speech(self) -> bool:
        return bool(self.state.pending)

    @property
    def draft(self) -> Answer | None:
        """The open question's unsent draft (restored on resume)."""
        question = self.current_question
        return None if question is None else self.storage.latest_draft(question.id, self._session.id)

    @property
    def draft_text(self) -> str:
        if self.phase is not None and self.phase.kind == "qa":
            return self.state.qa_draft
        draft = self.draft
        return draft.text if draft is not None else ""

    @property
    def hints_left(self) -> int:
        question = self.current_question
        return 0 if question is None else len(question.hints) - self.state.hints.get(question.id, 0)

    def interviewer_for(self, phase: PhaseSpec | None = None) -> Interviewer:
        phase = phase or self.phase or self.format.phases[-1]
        persona = phase.persona or self.state.persona
        if persona not in self._interviewers:
            self._interviewers[persona] = Interviewer(
                load_personas()[persona], self.bank, llm=self.llm, embedder=self.embedder,
                rng=random.Random(f"{self.state.seed}:{persona.value}"))
        return self._interviewers[persona]

    # --- the interviewer speaks ---------------------------------------------------------------------------------

    def interviewer_turn(self, cancel: CancelToken | None = None) -> Iterator[str]:
        """Stream the next thing the interviewer says; it is written as a turn once complete.

        Cancelled (or abandoned) part-way, nothing is written and the same line is spoken again by the next call.
        """
        if not self.state.pending:
            return
        pending = self.state.pending[0]
        move = InterviewerMove.model_validate(pending.move)
        interviewer = self._interviewer_by_persona(pending.persona)
        exchange = self._exchange(move.item_id) if move.item_id else self._transcript[-6:]
        spoken: list[str] = []
        try:
            for chunk in interviewer.speak(move, exchange, cancel):
                spoken.append(chunk)
                yield chunk
        except LLMCancelled:
            return
        except LLMError:
            # A provider failure part-way: finish with the offline wording so the candidate hears the whole move.
            tail = ("\n" if spoken else "") + move.text
            spoken.append(tail)
            yield tail
        text = "".join(spoken).strip() or move.text
        with self._lock:
            turn = self._add_turn("interviewer", text, move.item_id)
            self.state.pending.pop(0)
            self.state.turns_seen = turn.seq
            self._save()

    def speak_all(self, cancel: CancelToken | None = None) -> list[str]:
        """Everything pending, one string per line spoken (for scripts and tests)."""
        lines = []
        while self.state.pending and not (cancel is not None and cancel.cancelled):
            lines.append("".join(self.interviewer_turn(cancel)))
        return lines

    # --- the candidate acts -------------------------------------------------------------------------------------

    @_locked
    def save_draft(self, text: str, code: str | None = None) -> None:
        phase = self._open_phase()
        if phase.kind == "qa":
            self.state.qa_draft = text
        else:
            question = self._open_question()
            draft = self.storage.latest_draft(question.id, self._session.id) or Answer(
                item_id=question.id, session_id=self._session.id)
            self.storage.save_answer(draft.model_copy(update={
                "text": text, "code": code if code is not None else draft.code,
                "hints_used": self.state.hints.get(question.id, 0)}))
        self._save()

    @_locked
    def submit(self, text: str, code: str | None = None) -> list[EngineEvent]:
        """The candidate's reply to the open question (with code in a coding phase); returns what it caused."""
        phase = self._open_phase()
        if not self.state.running:
            raise SessionError("The session is paused; resume the clock before answering.")
        text = text.strip()
        if not text and not code:
            raise SessionError("The answer is empty.")
        if phase.kind == "qa":
            turn = self._add_turn("candidate", text, None)
            self.state.qa_draft = ""
            return self._process_candidate_turn(turn, None)
        question = self._open_question()
        if code is not None and phase.kind != "coding":
            raise SessionError(f"Code is submitted in a coding phase; '{phase.title}' is answered in words.")
        turn = self._add_turn("candidate", text or "(code submitted without an explanation)", question.id)
        return self._process_candidate_turn(turn, code)

    @_locked
    def hint(self) -> str | None:
        """The open question's next hint from the bank (each one used lowers the score), or None when none is left."""
        question = self._open_question()
        used = self.state.hints.get(question.id, 0)
        if used >= len(question.hints):
            return None
        self.state.hints[question.id] = used + 1
        text = question.hints[used]
        self._add_turn("system", f"Hint {used + 1} of {len(question.hints)}: {text}", question.id)
        self._save()
        return text

    @_locked
    def skip(self) -> list[EngineEvent]:
        """Leave the open question unanswered (or end the Q&A) and go on."""
        phase = self._open_phase()
        if phase.kind == "qa":
            events = self._end_phase("skipped")
            self._save()
            return events
        question = self._open_question()
        self._add_turn("system", "The candidate skipped this question.", question.id)
        self._enqueue(self.interviewer_for(), _line("move_on", "All right, let's leave that one.", question.id))
        events = self._next_question(reason_if_last="skipped")
        self._save()
        return events

    @_locked
    def pause(self) -> None:
        if self.state.ended or not self.state.running:
            return
        self._fold_clock()
        self.state.running = False
        self._save()

    @_locked
    def resume_clock(self) -> None:
        if self.state.ended or self.state.running:
            return
        self.state.running = True
        self._segment_start = self.clock.now()
        self._save()

    def tick(self) -> list[EngineEvent]:
        """Call often (the app: every second). Warns at two minutes left, ends phases whose time is up."""
        if not self._lock.acquire(blocking=False):
            return []  # an answer is being processed; the next tick catches up
        try:
            return self._tick()
        finally:
            self._lock.release()

    def _tick(self) -> list[EngineEvent]:
        phase = self.phase
        if phase is None or not self.state.running:
            return []
        events: list[EngineEvent] = []
        left = self.phase_seconds_left
        if left <= 0:
            events += self._end_phase("time")
            self._save()
            return events
        if not self.state.warned and phase.seconds > TWO_MINUTES and left <= TWO_MINUTES:
            self.state.warned = True
            events.append(TwoMinuteWarning(phase_id=phase.id, seconds_left=left))
            self._save()
        elif self.clock.now() - self._last_saved >= CHECKPOINT_SECONDS:
            self._save()
        return events

    @_locked
    def end(self) -> list[EngineEvent]:
        """End the interview now (the open draft is submitted); finish() then scores it."""
        if self.state.ended:
            return []
        submitted, events = self._submit_open_draft()
        events.append(PhaseEnded(phase_id=self._open_phase().id, reason="ended", draft_submitted=submitted))
        events += self._end_session("ended_early")
        self._save()
        return events

    @_locked
    def finish(self) -> SessionResult:
        """Score every answered question, store the cards, mark the session finished and return the scorecard."""
        from rubrics.scoring import score_answer, session_summary

        if not self.state.ended:
            self.end()
        items: list[ItemResult] = []
        for item_id in dict.fromkeys(self.state.asked):
            question = self.bank.get(item_id)
            phase_id = self._phase_of(item_id).id
            replies = [t for t in self._transcript if t.role == "candidate" and t.item_id == item_id]
            answers = self._submitted_answers(item_id)
            if not replies or not answers:
                items.append(ItemResult(item_id=item_id, title=question.title, phase_id=phase_id, answered=False))
                continue
            last = answers[-1]
            if item_id in self.state.scored:
                card = self._stored_card(item_id, self.state.scored[item_id])
            else:
                code = next((a.code for a in reversed(answers) if a.code), None)
                card = score_answer(question, "\n\n".join(reply.text for reply in replies), llm=self.llm,
                                    embedder=self.embedder, judge_report=self._judge_report(answers), code=code,
                                    hints_used=self.state.hints.get(item_id, 0))
                stored = self.storage.add_score_card(card, last.id)
                assert stored.id is not None
                self.state.scored[item_id] = stored.id
                self._save()
            items.append(ItemResult(item_id=item_id, title=question.title, phase_id=phase_id, answered=True, card=card,
                                    answer_id=last.id))
        assessment = self._assessment(items) if self._is_assessment else None
        cards = [item.card for item in items if item.card is not None]
        self._session = self._session.model_copy(update={"status": SessionStatus.FINISHED,
                                                         "finished_at": datetime.now(UTC)})
        self._save()
        return SessionResult(session_id=self._session.id, format_id=self.format.id, persona=self.state.persona.value,
                             items=items, summary=session_summary(cards) if cards else None, assessment=assessment,
                             planned=len(dict.fromkeys(i for plan in self.state.plan for i in plan)),
                             asked=len(items), answered=len(cards))

    # --- phases and questions -----------------------------------------------------------------------------------

    def _enter_phase(self, index: int) -> list[EngineEvent]:
        previous = self.format.phases[index - 1] if index > 0 else None
        phase = self.format.phases[index]
        self.state.phase_index = index
        self.state.question_index = 0
        self.state.phase_elapsed = 0.0
        self.state.reply_started_at = 0.0
        self.state.warned = False
        self._segment_start = self.clock.now()
        interviewer = self.interviewer_for(phase)
        if previous is None:
            self._enqueue(interviewer, interviewer.greeting())
        elif (previous.persona or self.state.persona) != (phase.persona or self.state.persona):
            self._enqueue(self.interviewer_for(previous), self.interviewer_for(previous).closing())
            self._enqueue(interviewer, interviewer.greeting())
        self._enqueue(interviewer, self._transition(previous, phase))
        events: list[EngineEvent] = [PhaseStarted(phase_id=phase.id, title=phase.title, index=index,
                                                  minutes=phase.minutes, round=phase.round)]
        self._add_turn("system", f"{phase.round + ': ' if phase.round else ''}{phase.title} ({phase.minutes:g} min)", None)
        if phase.kind == "qa":
            return events
        return events + self._open_current_question()

    def _transition(self, previous: PhaseSpec | None, phase: PhaseSpec) -> InterviewerMove:
        minutes = f"about {phase.minutes:g} minutes"
        if previous is None:
            text = f"We'll start with {phase.title.lower()}: {minutes}."
        elif phase.continues:
            text = f"Let's move to {phase.title.lower()} ({minutes})."
        else:
            text = f"Let's move on to {phase.title.lower()}: {minutes}."
        if phase.kind == "qa" and phase.prompt:
            text = f"{text} {phase.prompt}"
        return _line("clarify", text, None)

    def _open_current_question(self) -> list[EngineEvent]:
        phase = self._open_phase()
        question = self._open_question()
        interviewer = self.interviewer_for(phase)
        if not phase.continues:
            self._enqueue(interviewer, interviewer.ask(question))
            self.state.asked.append(question.id)
        if phase.prompt:
            self._enqueue(interviewer, _line("follow_up", phase.prompt, question.id))
        self.state.reply_started_at = self.phase_elapsed
        number, of = self.question_number
        return [QuestionStarted(phase_id=phase.id, item_id=question.id, number=number, of=of)]

    def _next_question(self, reason_if_last: Literal["done", "skipped"] = "done") -> list[EngineEvent]:
        self.state.question_index += 1
        if self.state.question_index < len(self.state.plan[self.state.phase_index]):
            return self._open_current_question()
        return self._end_phase(reason_if_last)

    def _end_phase(self, reason: Literal["time", "done", "skipped"]) -> list[EngineEvent]:
        phase = self._open_phase()
        submitted, events = self._submit_open_draft() if reason == "time" else (False, [])
        events.append(PhaseEnded(phase_id=phase.id, reason=reason, draft_submitted=submitted))
        self._fold_clock()
        if self.state.phase_index + 1 >= len(self.format.phases):
            return events + self._end_session("completed")
        return events + self._enter_phase(self.state.phase_index + 1)

    def _end_session(self, reason: Literal["completed", "ended_early"]) -> list[EngineEvent]:
        interviewer = self.interviewer_for()
        self._fold_clock()
        self.state.ended = True
        self.state.end_reason = reason
        self.state.running = False
        self._enqueue(interviewer, interviewer.closing())
        return [SessionEnded(reason=reason)]

    def _submit_open_draft(self) -> tuple[bool, list[EngineEvent]]:
        """Time is up (or the candidate ended): a non-empty unsent draft becomes the answer, without a follow-up."""
        phase = self._open_phase()
        if phase.kind == "qa":
            if not self.state.qa_draft.strip():
                return False, []
            turn = self._add_turn("candidate", self.state.qa_draft.strip(), None)
            self.state.qa_draft = ""
            self.state.turns_seen = turn.seq
            return True, []
        question = self.current_question
        draft = None if question is None else self.storage.latest_draft(question.id, self._session.id)
        if question is None or draft is None or not (draft.text.strip() or draft.code):
            return False, []
        turn = self._add_turn("candidate", draft.text.strip() or "(code submitted without an explanation)", question.id)
        answer = self._record_answer(question, turn, draft.code)
        events: list[EngineEvent] = []
        if draft.code and phase.kind == "coding":
            events.append(self._judge(question, draft.code, answer))
        self.state.turns_seen = max(self.state.turns_seen, self._transcript[-1].seq)
        return True, events

    def _process_candidate_turn(self, turn: Turn, code: str | None) -> list[EngineEvent]:
        phase = self._open_phase()
        events: list[EngineEvent] = []
        interviewer = self.interviewer_for(phase)
        if turn.item_id is None:  # the candidate's own question in the Q&A
            self._enqueue(interviewer, _line(
                "clarify", "Good question. I'll make sure the team follows up on it. Anything else you'd like to ask?", None))
            self.state.turns_seen = turn.seq
            self._save()
            return events
        question = self.bank.get(turn.item_id)
        answer = self._record_answer(question, turn, code)
        if answer.code and phase.kind == "coding":
            events.append(self._judge(question, answer.code, answer))
        self.state.reply_started_at = self.phase_elapsed
        move: InterviewerMove | None = None
        if phase.follow_ups or is_clarifying_question(turn.text):
            move = interviewer.next_move(question, self._exchange(question.id), turn.text, self.phase_seconds_left)
            if not phase.follow_ups and move.kind not in ("clarify", "exhibit"):
                move = None  # a phase without follow-ups answers a clarifying question, and nothing else
        self.state.turns_seen = max(turn.seq, self.state.turns_seen)
        if move is None or move.kind in ("move_on", "close"):
            if move is not None and move.text.strip():
                self._enqueue(interviewer, move)
            events += self._next_question()
        else:
            self._enqueue(interviewer, move)
        self._save()
        return events

    def _record_answer(self, question: Question, turn: Turn, code: str | None) -> Answer:
        """The submitted answer row for a candidate turn: the draft becomes it (or the row exists from before a kill)."""
        replies = [t.seq for t in self._transcript if t.role == "candidate" and t.item_id == question.id]
        position = replies.index(turn.seq)
        submitted = self._submitted_answers(question.id)
        if len(submitted) > position:
            return submitted[position]
        draft = self.storage.latest_draft(question.id, self._session.id)
        base = draft or Answer(item_id=question.id, session_id=self._session.id)
        return self.storage.submit_answer(base.model_copy(update={
            "text": turn.text, "code": code if code is not None else base.code,
            "hints_used": self.state.hints.get(question.id, 0),
            "seconds_spent": max(0.0, self.phase_elapsed - self.state.reply_started_at)}))

    def _judge(self, question: Question, code: str, answer: Answer) -> JudgeFinished:
        """Compile, run and time the code on the GPU (compile and review only without one); stored as a JudgeRun."""
        from tutor.judge.api import What, gpu_arch, judge
        from tutor.judge.models import JudgeReport

        runs = [run for run in self.storage.judge_runs(question.id) if run.answer_id == answer.id]
        if runs:
            report = JudgeReport.model_validate(runs[-1].report)
        else:
            what: What = "all" if self.judge_worker is not None or gpu_arch() is not None else "check"
            report = judge(question, self.bank.problem_dir(question.id), code, what, cache_dir=self.judge_cache_dir,
                           worker=self.judge_worker)
            self.storage.add_judge_run(JudgeRun(problem_id=question.id, answer_id=answer.id,
                                                source_hash=report.source_hash, passed=report.passed,
                                                verdict=report.verdict.value, report=report.model_dump(mode="json")))
            lines = len(code.splitlines())
            self._add_turn("system", f"Judge ({lines} lines of code): {report.verdict.value}. {report.summary}",
                           question.id)
        return JudgeFinished(item_id=question.id, verdict=report.verdict.value, passed=report.passed,
                             summary=report.summary)

    # --- plan -------------------------------------------------------------------------------------------------

    def _build_plan(self) -> list[list[str]]:
        """The questions of every phase, chosen once with the session's seed."""
        rng = random.Random(self.state.seed)
        used: set[str] = set()
        plan: list[list[str]] = []
        for index, phase in enumerate(self.format.phases):
            if phase.continues:
                anchor = plan[index - 1]
                plan.append(anchor[-1:])
            elif phase.kind == "qa":
                plan.append([])
            elif phase.assessment_part is not None:
                plan.append(self._assessment_items(phase))
            else:
                chosen = self._choose(phase, self._minutes_for(index), used, rng)
                plan.append(chosen)
            used.update(plan[-1])
        return plan

    def _assessment_items(self, phase: PhaseSpec) -> list[str]:
        parts = self.bank.final_assessment.parts
        if phase.assessment_part is None or phase.assessment_part >= len(parts):
            raise SessionError(f"phase '{phase.id}' names assessment part {phase.assessment_part}, but the bank's "
                               f"final assessment has {len(parts)} parts")
        entries = parts[phase.assessment_part].entries
        if len(entries) != phase.questions:
            raise SessionError(f"phase '{phase.id}' expects {phase.questions} questions but part "
                               f"'{parts[phase.assessment_part].title}' has {len(entries)}")
        return [entry.item for entry in entries]

    def _minutes_for(self, index: int) -> float:
        """Minutes one question of this phase gets, counting the later stages that continue it."""
        minutes = self.format.phases[index].minutes
        for later in self.format.phases[index + 1:]:
            if not later.continues:
                break
            minutes += later.minutes
        return minutes / max(1, self.format.phases[index].questions)

    def _choose(self, phase: PhaseSpec, minutes: float, used: set[str], rng: random.Random) -> list[str]:
        """Narrow the bank by the phase's filters (preferring items that fit its time), then let the persona pick."""
        try:
            pool = ([self.bank.get(item) for item in phase.items] if phase.items
                    else [q for q in self.bank if q.category in phase.categories])
        except KeyError as error:
            raise SessionError(f"format '{self.format.id}', phase '{phase.id}': {error.args[0]}") from None
        pool = [q for q in pool if q.id not in used]
        if phase.item_personas:
            tagged = [q for q in pool if set(q.personas) & set(phase.item_personas)]
            pool = tagged if len(tagged) >= phase.questions else pool
        fitting = [q for q in pool if q.time_budget_minutes <= minutes]
        candidates = fitting if len(fitting) >= phase.questions else pool
        if not candidates:
            raise SessionError(f"format '{self.format.id}', phase '{phase.id}': the bank has no question left for it")
        allowed = {q.id for q in candidates}
        exclude = {q.id for q in self.bank if q.id not in allowed}
        # The persona ranks the candidates (its own items, its behaviour, its topics); the session's seed then draws
        # from its top few, so two sessions with one persona do not always open with the same question.
        ranked = [q.id for q in self.interviewer_for(phase).pick_questions(
            list(phase.categories) or None, phase.questions * CHOICE_BREADTH, exclude) if q.id in allowed]
        picked = rng.sample(ranked, phase.questions) if len(ranked) > phase.questions else ranked
        rest = sorted(allowed - set(picked))
        rng.shuffle(rest)
        return (picked + rest)[:phase.questions]

    # --- scoring helpers --------------------------------------------------------------------------------------

    @property
    def _is_assessment(self) -> bool:
        return any(phase.assessment_part is not None for phase in self.format.phases)

    def _assessment(self, items: list[ItemResult]) -> AssessmentResult:
        assessment = self.bank.final_assessment
        by_item = {item.item_id: item for item in items}
        parts: list[AssessmentPartResult] = []
        for part in assessment.parts:
            earned = 0.0
            for entry in part.entries:
                item = by_item.get(entry.item)
                points = entry.points * item.card.overall / 10 if item is not None and item.card is not None else 0.0
                if item is not None:
                    item.points, item.max_points = round(points, 2), entry.points
                earned += points
            parts.append(AssessmentPartResult(title=part.title, points=round(earned, 1), max_points=part.points))
        total = round(sum(part.points for part in parts), 1)
        band = assessment.band_for(total)
        return AssessmentResult(total=total, max_points=assessment.total_points, band=band.label, advice=band.advice,
                                parts=parts)

    def _judge_report(self, answers: list[Answer]) -> JudgeReport | None:
        from tutor.judge.models import JudgeReport

        ids = {answer.id for answer in answers}
        runs = [run for run in self.storage.judge_runs(answers[0].item_id) if run.answer_id in ids]
        return JudgeReport.model_validate(runs[-1].report) if runs else None

    def _stored_card(self, item_id: str, card_id: int) -> ScoreCard:
        for stored in self.storage.score_cards(item_id):
            if stored.id == card_id:
                return stored.card
        raise SessionError(f"score card {card_id} of {item_id} is missing from the database")

    def _phase_of(self, item_id: str) -> PhaseSpec:
        for phase, items in zip(self.format.phases, self.state.plan, strict=True):
            if item_id in items:
                return phase
        raise KeyError(item_id)

    def _submitted_answers(self, item_id: str) -> list[Answer]:
        found = [a for a in self.storage.answers(item_id, AnswerStatus.SUBMITTED) if a.session_id == self._session.id]
        return sorted(found, key=lambda answer: answer.id or 0)

    # --- persistence ------------------------------------------------------------------------------------------

    def _replay_unseen_turns(self) -> list[EngineEvent]:
        """Turns written after the last state write: a spoken line leaves the queue, an answer is processed now."""
        events: list[EngineEvent] = []
        for turn in [t for t in self._transcript if t.seq > self.state.turns_seen]:
            if turn.role == "interviewer" and self.state.pending:
                self.state.pending.pop(0)
                self.state.turns_seen = turn.seq
            elif turn.role == "candidate" and not self.state.ended:
                events += self._process_candidate_turn(turn, None)
        return events

    def _add_turn(self, role: Literal["interviewer", "candidate", "system"], text: str, item_id: str | None) -> Turn:
        phase = self.phase
        turn = Turn(session_id=self._session.id, seq=self.storage.next_turn_seq(self._session.id), role=role,
                    text=text, item_id=item_id, phase=phase.id if phase is not None else None)
        self.storage.add_turn(turn)
        self._transcript.append(turn)
        return turn

    def _enqueue(self, interviewer: Interviewer, move: InterviewerMove) -> None:
        self.state.pending.append(PendingSpeech(persona=interviewer.persona.id, move=move.model_dump(mode="json")))

    def _interviewer_by_persona(self, persona: PersonaId) -> Interviewer:
        for phase in self.format.phases:
            if (phase.persona or self.state.persona) == persona:
                return self.interviewer_for(phase)
        return self.interviewer_for()

    def _exchange(self, item_id: str) -> list[Turn]:
        return [turn for turn in self._transcript if turn.item_id == item_id]

    def _fold_clock(self) -> None:
        now = self.clock.now()
        if self.state.running and not self.state.ended:
            self.state.phase_elapsed += now - self._segment_start
        self._segment_start = now

    def _save(self) -> None:
        self._fold_clock()
        status = self._session.status
        if status not in (SessionStatus.FINISHED, SessionStatus.ABANDONED):
            status = SessionStatus.PAUSED if self.paused else SessionStatus.ACTIVE
        self._session = self.storage.save_session(self._session.model_copy(update={
            "state": self.state.model_dump(mode="json"), "status": status}))
        self._last_saved = self.clock.now()

    def _open_phase(self) -> PhaseSpec:
        phase = self.phase
        if phase is None:
            raise SessionError("The interview has ended; finish() scores it.")
        return phase

    def _open_question(self) -> Question:
        question = self.current_question
        if question is None:
            raise SessionError("No question is open now.")
        return question


def _line(kind: Literal["clarify", "follow_up", "move_on"], text: str, item_id: str | None) -> InterviewerMove:
    """A line the engine itself gives the interviewer (phase transitions, stage prompts); an LLM may reword it."""
    return InterviewerMove(kind=kind, text=text, item_id=item_id, intent=text)

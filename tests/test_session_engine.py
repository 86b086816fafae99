"""The session engine offline, on a fake clock: phases by time, warnings, answers persisted and scored, restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gap_engine.embeddings import Embedder, shared_embedder
from interviewers.clock import FakeClock
from interviewers.session import (
    EngineEvent,
    JudgeFinished,
    PhaseEnded,
    PhaseStarted,
    SessionEnded,
    SessionEngine,
    SessionError,
    TwoMinuteWarning,
)
from question_bank.loader import Bank
from tutor.config import load_settings
from tutor.llm import LLM
from tutor.records import AnswerStatus, SessionStatus, Turn
from tutor.storage import Storage

WEAK_ANSWER = "I am not sure. I would probably restart the server and see if that helps."


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = Storage(tmp_path / "tutor.db")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture
def llm() -> LLM:
    offline = LLM.from_settings(load_settings()[0])
    assert not offline.online
    return offline


def _types(events: list[EngineEvent]) -> list[str]:
    return [event.type for event in events]


def _answer_until_phase_changes(engine: SessionEngine, text: str, limit: int = 6) -> list[EngineEvent]:
    """Answer every follow-up with the same text until the interviewer moves past the phase (or give up: skip)."""
    phase = engine.phase
    events: list[EngineEvent] = []
    for _ in range(limit):
        events += engine.submit(text)
        engine.speak_all()
        if engine.phase != phase:
            return events
    events += engine.skip()
    engine.speak_all()
    return events


def test_offline_deep_dive_from_start_to_scorecard(storage: Storage, bank: Bank, llm: LLM, embedder: Embedder) -> None:
    clock = FakeClock()
    engine = SessionEngine.start(storage, bank, format_id="deep_dive", llm=llm, embedder=embedder, clock=clock, seed=11)
    assert _types(engine.start_events) == ["phase_started", "question_started"]
    spoken = engine.speak_all()
    concept = engine.current_question
    assert concept is not None and engine.phase is not None and engine.phase.id == "concept"
    assert any(concept.prompt.strip()[:60] in line for line in spoken)  # the question was said and written as a turn
    assert engine.phase_seconds_left == 600

    # Concept: a strong answer (the bank's model answer) after two minutes.
    clock.advance(120)
    events = _answer_until_phase_changes(engine, concept.model_answer)
    assert engine.phase is not None and engine.phase.id == "code-walkthrough", events

    # Code walkthrough: the candidate only drafts; the warning comes at two minutes left, then time ends the phase
    # and the draft is sent as the answer.
    walkthrough = engine.current_question
    assert walkthrough is not None
    engine.save_draft(walkthrough.model_answer[:400])
    clock.advance(13 * 60 - 1)
    assert engine.tick() == []
    clock.advance(1)
    warning = engine.tick()
    assert _types(warning) == ["two_minute_warning"]
    assert isinstance(warning[0], TwoMinuteWarning) and warning[0].seconds_left == pytest.approx(120)
    clock.advance(60)
    assert engine.tick() == []  # the warning fires once per phase
    clock.advance(60)
    events = engine.tick()
    assert _types(events) == ["phase_ended", "phase_started", "question_started"]
    assert isinstance(events[0], PhaseEnded) and events[0].reason == "time" and events[0].draft_submitted
    assert isinstance(events[1], PhaseStarted) and events[1].phase_id == "debugging"
    transition = engine.speak_all()
    assert any("debugging scenario" in line.lower() for line in transition)

    # Debugging: a weak answer, then the candidate skips what follows.
    debugging = engine.current_question
    assert debugging is not None
    events = engine.submit(WEAK_ANSWER)
    engine.speak_all()
    if engine.current_question == debugging:
        events += engine.skip()
        engine.speak_all()
    assert engine.phase is not None and engine.phase.id == "optimization"

    # Optimization: a strong answer.
    optimization = engine.current_question
    assert optimization is not None
    _answer_until_phase_changes(engine, optimization.model_answer)
    assert engine.phase is not None and engine.phase.id == "qa" and engine.current_question is None

    # Q&A: the candidate asks something, then time runs out and the interview ends.
    engine.submit("What does the serving team work on next quarter?")
    engine.speak_all()
    clock.advance(5 * 60)
    events = engine.tick()
    assert _types(events) == ["phase_ended", "session_ended"]
    assert isinstance(events[1], SessionEnded) and events[1].reason == "completed"
    closing = engine.speak_all()
    assert closing and engine.finished

    result = engine.finish()
    by_item = {item.item_id: item for item in result.items}
    assert list(by_item) == [concept.id, walkthrough.id, debugging.id, optimization.id]
    assert all(item.answered and item.card is not None for item in result.items)
    strong = by_item[concept.id].card
    weak = by_item[debugging.id].card
    assert strong is not None and weak is not None and strong.overall > weak.overall
    assert result.summary is not None and 0 <= result.summary.overall <= 10
    assert result.answered == 4 and result.asked == 4

    # Stored: the session is finished, every turn is in the database, every card is linked to a submitted answer.
    session = storage.get_session(engine.session.id)
    assert session.status == SessionStatus.FINISHED and session.finished_at is not None
    assert [t.model_dump() for t in storage.turns(session.id)] == [t.model_dump() for t in engine.transcript]
    cards = [stored for stored in storage.score_cards() if stored.card.item_id in by_item]
    assert len(cards) == 4
    for stored in cards:
        assert stored.answer_id is not None
        answer = storage.get_answer(stored.answer_id)
        assert answer.session_id == session.id and answer.status == AnswerStatus.SUBMITTED
    walkthrough_answers = [a for a in storage.answers(walkthrough.id) if a.session_id == session.id]
    assert [a.status for a in walkthrough_answers] == [AnswerStatus.SUBMITTED]  # the draft became the answer
    assert walkthrough_answers[0].text == walkthrough.model_answer[:400].strip()
    assert SessionEngine.unfinished(storage) == []


def test_pause_stops_the_clock_and_a_restart_keeps_the_time_used(storage: Storage, bank: Bank, llm: LLM,
                                                                 embedder: Embedder) -> None:
    clock = FakeClock()
    engine = SessionEngine.start(storage, bank, format_id="behavioral", llm=llm, embedder=embedder, clock=clock, seed=3)
    engine.speak_all()
    clock.advance(60)
    assert engine.phase_elapsed == pytest.approx(60)
    engine.pause()
    assert engine.paused and storage.get_session(engine.session.id).status == SessionStatus.PAUSED
    clock.advance(3600)
    assert engine.tick() == []
    assert engine.phase_elapsed == pytest.approx(60)
    with pytest.raises(SessionError, match="paused"):
        engine.submit("An answer while paused")
    engine.resume_clock()
    clock.advance(30)
    assert engine.phase_elapsed == pytest.approx(90)
    engine.save_draft("Situation: our fleet")  # writes the time used so far

    # Another process: its monotonic clock has another origin; the time used so far carries over, the time the
    # first process kept running after its last write does not.
    clock.advance(500)
    later = FakeClock(start=7.0)
    resumed = SessionEngine.resume(storage, engine.session.id, bank, llm=llm, embedder=embedder, clock=later)
    assert resumed.phase_elapsed == pytest.approx(90)
    assert resumed.draft_text == "Situation: our fleet"
    later.advance(10)
    assert resumed.phase_elapsed == pytest.approx(100)
    resumed.pause()

    # Paused when written, paused when resumed, until the clock is resumed.
    third_clock = FakeClock(start=50.0)
    third = SessionEngine.resume(storage, engine.session.id, bank, llm=llm, embedder=embedder, clock=third_clock)
    assert third.paused
    third_clock.advance(100)
    assert third.phase_elapsed == pytest.approx(100)
    third.resume_clock()
    third_clock.advance(5)
    assert third.phase_elapsed == pytest.approx(105)
    assert third.phase_seconds_left == pytest.approx(8 * 60 - 105)


def test_the_plan_is_fixed_by_the_seed_and_resume_asks_the_same_questions(storage: Storage, bank: Bank, llm: LLM,
                                                                          embedder: Embedder) -> None:
    first = SessionEngine.start(storage, bank, format_id="full_loop", llm=llm, embedder=embedder, clock=FakeClock(),
                                seed=5)
    again = SessionEngine.start(storage, bank, format_id="full_loop", llm=llm, embedder=embedder, clock=FakeClock(),
                                seed=5)
    assert first.state.plan == again.state.plan
    plans = {tuple(map(tuple, SessionEngine.start(storage, bank, format_id="deep_dive", llm=llm, embedder=embedder,
                                                  clock=FakeClock(), seed=seed).state.plan)) for seed in range(6)}
    assert len(plans) > 1  # the seed matters
    # Stages of the design round repeat its question; each round has its own interviewer.
    fmt = first.format
    for index, phase in enumerate(fmt.phases):
        if phase.continues:
            assert first.state.plan[index] == first.state.plan[index - 1]
    assert {first.interviewer_for(phase).persona.id for phase in fmt.phases} == {phase.persona for phase in fmt.phases}
    resumed = SessionEngine.resume(storage, first.session.id, bank, llm=llm, embedder=embedder, clock=FakeClock())
    assert resumed.state.plan == first.state.plan
    assert resumed.current_question == first.current_question


@pytest.mark.parametrize("format_id", ["deep_dive", "system_design", "behavioral", "cuda_coding", "full_loop",
                                       "final_assessment"])
def test_every_format_plans_the_questions_its_phases_ask(storage: Storage, bank: Bank, llm: LLM, embedder: Embedder,
                                                         format_id: str) -> None:
    for seed in range(4):
        engine = SessionEngine.start(storage, bank, format_id=format_id, llm=llm, embedder=embedder, clock=FakeClock(),
                                     seed=seed)
        asked = [item for phase, items in zip(engine.format.phases, engine.state.plan, strict=True)
                 if not phase.continues for item in items]
        assert len(asked) == len(set(asked))  # no question twice in one session
        for phase, items in zip(engine.format.phases, engine.state.plan, strict=True):
            expected = 1 if phase.continues else phase.questions
            assert len(items) == expected, phase.id
            for item in items:
                question = bank.get(item)
                if phase.categories:
                    assert question.category in phase.categories, (phase.id, item)
                if phase.items:
                    assert item in phase.items


def test_a_turn_written_just_before_a_kill_is_replayed_once(storage: Storage, bank: Bank, llm: LLM,
                                                            embedder: Embedder) -> None:
    engine = SessionEngine.start(storage, bank, format_id="behavioral", llm=llm, embedder=embedder, clock=FakeClock(),
                                 seed=2)
    engine.speak_all()
    question = engine.current_question
    assert question is not None
    engine.save_draft("Situation: a launch")
    # The process wrote the candidate's turn (the first write of submit) and died before anything else.
    seq = storage.next_turn_seq(engine.session.id)
    storage.add_turn(Turn(session_id=engine.session.id, seq=seq, role="candidate", text="Situation: a launch, told fully",
                          item_id=question.id, phase=engine.phase.id if engine.phase else None))
    resumed = SessionEngine.resume(storage, engine.session.id, bank, llm=llm, embedder=embedder, clock=FakeClock())
    answers = [a for a in storage.answers(question.id) if a.session_id == engine.session.id]
    assert [(a.status, a.text) for a in answers] == [(AnswerStatus.SUBMITTED, "Situation: a launch, told fully")]
    assert resumed.has_pending_speech  # the interviewer's reply to it is queued
    assert sum(1 for t in resumed.transcript if t.role == "candidate") == 1

    # The interviewer's line was written and the process died before the state: it is not said again.
    pending = len(resumed.state.pending)
    move_text = resumed.state.pending[0].move["text"]
    storage.add_turn(Turn(session_id=engine.session.id, seq=storage.next_turn_seq(engine.session.id),
                          role="interviewer", text=move_text, item_id=resumed.state.pending[0].move["item_id"]))
    again = SessionEngine.resume(storage, engine.session.id, bank, llm=llm, embedder=embedder, clock=FakeClock())
    assert len(again.state.pending) == pending - 1


def test_final_assessment_scores_to_150_with_its_bands(storage: Storage, bank: Bank, llm: LLM,
                                                       embedder: Embedder) -> None:
    clock = FakeClock()
    engine = SessionEngine.start(storage, bank, format_id="final_assessment", llm=llm, embedder=embedder, clock=clock,
                                 seed=0)
    engine.speak_all()
    entries = [entry for part in bank.final_assessment.parts for entry in part.entries]
    assert engine.state.plan == [[entry.item for entry in part.entries] for part in bank.final_assessment.parts]
    for entry in entries[:3]:  # no follow-ups: each answer moves to the next question
        question = engine.current_question
        assert question is not None and question.id == entry.item
        engine.submit(question.model_answer)
        engine.speak_all()
    engine.submit(WEAK_ANSWER)
    clock.advance(32 * 60)  # part 1's time is up: the rest of part 1 is unanswered
    assert _types(engine.tick()) == ["phase_ended", "phase_started", "question_started"]
    assert engine.phase is not None and engine.phase.id == "part-2"
    end = engine.end()
    assert _types(end)[-1] == "session_ended"
    result = engine.finish()
    assessment = result.assessment
    assert assessment is not None and assessment.max_points == 150
    assert [part.max_points for part in assessment.parts] == [80, 40, 30]
    answered = {item.item_id: item for item in result.items if item.card is not None}
    assert len(answered) == 4
    for entry in entries[:4]:
        item = answered[entry.item]
        assert item.card is not None and item.max_points == entry.points
        assert item.points == pytest.approx(entry.points * item.card.overall / 10, abs=0.01)
    assert assessment.total == pytest.approx(sum(item.points or 0 for item in answered.values()), abs=0.1)
    assert assessment.total <= 4 * 4  # four 4-point questions answered
    assert assessment.band == bank.final_assessment.band_for(assessment.total).label


def test_code_is_judged_in_a_coding_phase_and_refused_elsewhere(storage: Storage, bank: Bank, llm: LLM,
                                                                embedder: Embedder) -> None:
    talk = SessionEngine.start(storage, bank, format_id="deep_dive", llm=llm, embedder=embedder, clock=FakeClock(),
                               seed=1)
    with pytest.raises(SessionError, match="coding phase"):
        talk.submit("here is code", code="__global__ void k() {}")

    engine = SessionEngine.start(storage, bank, format_id="cuda_coding", llm=llm, embedder=embedder, clock=FakeClock(),
                                 seed=4)
    engine.speak_all()
    problem = engine.current_question
    assert problem is not None and problem.cuda is not None
    code = (bank.problem_dir(problem.id) / "optimized.cu").read_text()
    events = engine.submit("One thread per element, coalesced loads; it is memory bound.", code=code)
    judged = [event for event in events if isinstance(event, JudgeFinished)]
    assert len(judged) == 1 and judged[0].item_id == problem.id
    answer = next(a for a in storage.answers(problem.id) if a.session_id == engine.session.id)
    assert answer.code == code
    runs = [run for run in storage.judge_runs(problem.id) if run.answer_id == answer.id]
    assert len(runs) == 1 and runs[0].verdict == judged[0].verdict
    assert judged[0].verdict in ("passed", "needs_gpu")  # the bank's own optimized answer compiles (and passes)
    engine.end()
    result = engine.finish()
    (item,) = result.items
    assert item.card is not None and item.card.item_id == problem.id


def test_system_design_stages_one_question_and_scores_all_its_replies(storage: Storage, bank: Bank, llm: LLM,
                                                                       embedder: Embedder) -> None:
    clock = FakeClock()
    engine = SessionEngine.start(storage, bank, format_id="system_design", llm=llm, embedder=embedder, clock=clock,
                                 seed=8)
    engine.speak_all()
    design = engine.current_question
    assert design is not None and engine.phase is not None and engine.phase.id == "requirements"
    # A clarifying question in a stage without follow-ups is answered, and the stage goes on.
    engine.submit("Should I assume a 70B model in FP16?")
    assert engine.phase.id == "requirements" and engine.has_pending_speech
    engine.speak_all()
    replies = [design.model_answer[:300], design.model_answer[300:900]]
    engine.submit(replies[0])
    assert engine.phase is not None and engine.phase.id == "architecture"
    assert engine.current_question == design  # the next stage of the same question
    spoken = engine.speak_all()
    assert any("high-level architecture" in line for line in spoken)
    engine.submit(replies[1])
    engine.speak_all()
    clock.advance(20 * 60)
    engine.tick()  # the deep-dive stage's time runs out
    assert engine.phase is not None and engine.phase.id == "scaling"
    engine.end()
    result = engine.finish()
    (item,) = result.items
    assert item.item_id == design.id and item.card is not None
    stored = storage.score_cards(design.id)
    assert len(stored) == 1
    candidate = [t.text for t in engine.transcript if t.role == "candidate"]
    assert candidate[1:] == [r.strip() for r in replies]
    assert storage.get_answer(stored[0].answer_id or -1).text == replies[1].strip()  # the card is on the last reply


def test_tick_returns_at_once_while_another_thread_is_in_a_call(storage: Storage, bank: Bank, llm: LLM,
                                                                 embedder: Embedder) -> None:
    import threading

    clock = FakeClock()
    engine = SessionEngine.start(storage, bank, format_id="cuda_coding", llm=llm, embedder=embedder, clock=clock, seed=0)
    clock.advance(21 * 60)
    held, release = threading.Event(), threading.Event()

    def busy() -> None:  # stands for a worker thread inside submit() (judging, an LLM call)
        with engine._lock:
            held.set()
            release.wait(10)

    worker = threading.Thread(target=busy)
    worker.start()
    held.wait(10)
    assert engine.tick() == []  # the UI timer is not blocked
    release.set()
    worker.join()
    assert _types(engine.tick()) == ["phase_ended", "session_ended"]

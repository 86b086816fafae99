"""The interview job end to end in the app, offline, on a fake clock: set-up -> question -> answer -> follow-up ->
phases advanced by the clock -> scorecard shown and stored. Also pause, skip, end early, autosave and resume."""

from __future__ import annotations

import pytest
from textual.widgets import Static, TextArea

from interviewers.clock import FakeClock
from interviewers.session import SessionEngine
from question_bank.loader import Bank
from tests.screens_support import make_app, settle, shown_text, wait_for
from tutor.records import SessionStatus
from tutor.screens.interview import InterviewScreen
from tutor.screens.interview_setup import InterviewSetupScreen
from tutor.screens.resume import ResumeScreen
from tutor.screens.scorecard import ScorecardScreen
from tutor.widgets.phase_clock import PhaseClock
from tutor.widgets.scorecard_view import ScorecardView
from tutor.widgets.transcript import Transcript

pytestmark = pytest.mark.anyio

ANSWER = ("PagedAttention stores the KV cache in fixed-size blocks that need not be contiguous, with a block table "
          "mapping logical to physical blocks, so memory fragmentation drops and sequences can share prefix blocks.")


def _roles(screen: InterviewScreen) -> list[str]:
    return [role for role, _ in screen.query_one(Transcript).texts()]


async def test_deep_dive_from_setup_to_a_stored_scorecard(bank: Bank) -> None:
    clock = FakeClock()
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.push_screen(InterviewSetupScreen(clock=clock, seed=5))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        engine = screen.engine
        question = engine.current_question
        assert question is not None and engine.phase is not None
        # The interviewer's opening lines were streamed into the transcript and persisted as turns.
        shown = screen.query_one(Transcript).texts()
        spoken = [turn.text for turn in engine.transcript if turn.role == "interviewer"]
        assert [text for role, text in shown if role == "interviewer"] == spoken
        assert spoken, "the interviewer said nothing"
        assert screen.query_one(PhaseClock).seconds_left == pytest.approx(engine.phase.seconds)
        assert "next:" in shown_text(screen.query_one("#phase-info", Static))

        # Typing autosaves a draft; submitting gets a follow-up (or the next question) streamed in.
        await pilot.press(*"Blocks")
        screen.query_one("#answer", TextArea).text = ANSWER
        await pilot.pause()
        screen._autosave()
        draft = app.services.storage.latest_draft(question.id, engine.session.id)
        assert draft is not None and draft.text == ANSWER
        before = len(_roles(screen))
        await pilot.press("ctrl+s")
        await settle(pilot)
        roles = _roles(screen)
        assert roles[before] == "candidate" and "interviewer" in roles[before + 1:]
        assert screen.query_one("#answer", TextArea).text == ""
        assert [turn.text for turn in engine.transcript if turn.role == "candidate"] == [ANSWER]

        # Two minutes before the end of the phase the clock turns to its warning colour.
        clock.advance(engine.phase_seconds_left - 119)
        screen._tick()
        await pilot.pause()
        assert screen.query_one(PhaseClock).has_class("-warning")

        # The clock runs out phase after phase; every phase opens with the interviewer speaking.
        phases_seen = {engine.phase.id}
        while not engine.finished:
            clock.advance(engine.phase_seconds_left + 0.5)
            screen._tick()
            await settle(pilot)
            if engine.phase is not None:
                phases_seen.add(engine.phase.id)
        assert phases_seen == {phase.id for phase in engine.format.phases}
        await wait_for(pilot, lambda: isinstance(app.screen, ScorecardScreen))
        await pilot.pause()

        scorecard = app.screen
        assert isinstance(scorecard, ScorecardScreen)
        assert [view.card.item_id for view in scorecard.query(ScorecardView)] == [question.id]
        stored = app.services.storage.score_cards(question.id)
        assert len(stored) == 1 and stored[0].card == scorecard.result.items[0].card
        assert app.services.storage.get_session(engine.session.id).status == SessionStatus.FINISHED
        summary = shown_text(scorecard.query_one("#summary", Static))
        assert "/10" in summary and "1 answered" in summary


async def test_pause_skip_and_end_early(bank: Bank) -> None:
    clock = FakeClock()
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)  # the start-up steps are done (they offer to resume unfinished sessions)
        engine = SessionEngine.start(app.services.storage, bank, format_id="deep_dive", persona_id="debugging",
                                     llm=app.services.llm(), embedder=app.services.embedder(), clock=clock, seed=2)
        await app.push_screen(InterviewScreen(engine))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        first_phase = engine.phase
        assert first_phase is not None

        await pilot.press("f2")
        await pilot.pause()
        assert engine.paused and screen.query_one(PhaseClock).paused
        left = engine.phase_seconds_left
        clock.advance(300)
        screen._tick()
        assert engine.phase_seconds_left == left  # a paused clock does not run
        screen.query_one("#answer", TextArea).text = "An answer while paused"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not [t for t in engine.transcript if t.role == "candidate"]  # refused, and kept in the box
        assert screen.query_one("#answer", TextArea).text == "An answer while paused"
        await pilot.press("f2")
        await pilot.pause()
        assert not engine.paused

        await pilot.press("f3")  # skip the only question of the first phase
        await settle(pilot)
        assert engine.phase is not None and engine.phase.id != first_phase.id

        screen.query_one("#answer", TextArea).text = "Half an answer about the logs I would read first"
        await pilot.press("f4")  # end now: the typed text counts, the interviewer closes, then the scorecard
        await wait_for(pilot, lambda: isinstance(app.screen, ScorecardScreen))
        await settle(pilot)
        result = app.screen.result
        assert result.answered == 1
        assert [t.text for t in engine.transcript if t.role == "candidate"] == [
            "Half an answer about the logs I would read first"]


async def test_resume_offer_restores_the_transcript_and_the_draft(bank: Bank) -> None:
    clock = FakeClock()
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)  # the start-up steps are done (they offer to resume unfinished sessions)
        engine = SessionEngine.start(app.services.storage, bank, format_id="system_design", llm=app.services.llm(),
                                     embedder=app.services.embedder(), clock=clock, seed=4)
        engine.speak_all()
        engine.save_draft("Requirements: 10k QPS, p99 TTFT under 500 ms")
        spoken = [turn.text for turn in engine.transcript]

        await app.push_screen(ResumeScreen(SessionEngine.unfinished(app.services.storage), clock=clock))
        await pilot.pause()
        assert "10k QPS" in shown_text(app.screen.query_one("#draft-preview", Static))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert screen.engine.session.id == engine.session.id
        assert screen.query_one("#answer", TextArea).text == "Requirements: 10k QPS, p99 TTFT under 500 ms"
        assert [text for _, text in screen.query_one(Transcript).texts()] == spoken


async def test_set_aside_marks_the_session_abandoned(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)  # the start-up steps are done (they offer to resume unfinished sessions)
        engine = SessionEngine.start(app.services.storage, bank, format_id="behavioral", llm=app.services.llm(),
                                     embedder=app.services.embedder(), clock=FakeClock(), seed=1)
        await app.push_screen(ResumeScreen(SessionEngine.unfinished(app.services.storage)))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ResumeScreen)
        assert app.services.storage.get_session(engine.session.id).status == SessionStatus.ABANDONED
        assert SessionEngine.unfinished(app.services.storage) == []


async def test_an_interview_running_here_is_not_offered_for_resuming(bank: Bank) -> None:
    """The start-up check for interrupted interviews can finish after the user has started one: it is not offered."""
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await app.push_screen(InterviewSetupScreen(clock=FakeClock(), seed=3))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, InterviewScreen))
        await settle(pilot)
        running = SessionEngine.unfinished(app.services.storage)
        assert len(running) == 1
        await app.push_screen(ResumeScreen(running))
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)


async def test_coding_phase_has_a_code_pane_with_the_starter_and_the_judge(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        engine = SessionEngine.start(app.services.storage, bank, format_id="cuda_coding", llm=app.services.llm(),
                                     embedder=app.services.embedder(), clock=FakeClock(), seed=1)
        await app.push_screen(InterviewScreen(engine))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        question = engine.current_question
        assert question is not None and question.cuda is not None
        assert screen.query_one("#code-pane").display and screen.query_one("#side-pane").display
        starter = (bank.problem_dir(question.id) / "starter.cu").read_text(encoding="utf-8")
        code = screen.query_one("#code", TextArea)
        assert code.text == starter

        # A trial run goes through the real judge (compile + resource report without a GPU; run with one).
        await pilot.press("f5")
        await settle(pilot, timeout=300)
        assert shown_text(screen.query_one("#run-status", Static)).strip()

        # Submitting sends the code with the explanation; the engine judges it and says so in the transcript.
        screen.query_one("#answer", TextArea).text = "One thread per element; the grid covers n with a bounds check."
        await pilot.press("ctrl+s")
        await settle(pilot, timeout=300)
        answers = [a for a in app.services.storage.answers(question.id) if a.session_id == engine.session.id]
        assert any(answer.code == starter.strip() for answer in answers)
        assert any(role == "system" and text.startswith("Judge") for role, text in screen.query_one(Transcript).texts())


async def test_code_review_question_shows_its_exhibit_in_the_side_pane(bank: Bank) -> None:
    app = make_app(bank)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        storage = app.services.storage
        # The code walkthrough phase of a deep dive draws code-review items; find a seed whose item shows code upfront.
        for seed in range(40):
            engine = SessionEngine.start(storage, bank, format_id="deep_dive", persona_id="code_review",
                                         llm=app.services.llm(), embedder=app.services.embedder(), clock=FakeClock(),
                                         seed=seed)
            walkthrough = bank.get(engine.state.plan[1][0])
            if any(exhibit.reveal == "upfront" for exhibit in walkthrough.exhibits):
                break
        else:
            pytest.skip("no code-review item with an upfront exhibit in the bank")
        await app.push_screen(InterviewScreen(engine))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert not screen.query_one("#side-pane").display  # the first question has no exhibit
        await pilot.press("f3")  # skip to the code walkthrough
        await settle(pilot)
        assert engine.current_question == walkthrough
        assert screen.query_one("#exhibits").display
        shown = shown_text(screen.query_one("#exhibits-body", Static))
        upfront = next(exhibit for exhibit in walkthrough.exhibits if exhibit.reveal == "upfront")
        assert upfront.title in shown
        assert upfront.content.strip().splitlines()[0].strip()[:40] in shown

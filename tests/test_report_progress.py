"""Progress from a real SQLite history: streaks, CUDA problems solved, scores over time, time spent, weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from gap_engine.progress import CUDA_GROUPS, cuda_group, progress
from question_bank.loader import Bank
from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from tutor.records import Answer, AnswerStatus, JudgeRun, Session, SessionStatus
from tutor.storage import Storage

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a Friday


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(tmp_path / "tutor.db")


def _answer(storage: Storage, item_id: str, when: datetime, *, session_id: str | None = None, seconds: float = 60.0,
            overall: float | None = None, status: AnswerStatus = AnswerStatus.SUBMITTED) -> Answer:
    answer = storage.save_answer(Answer(item_id=item_id, session_id=session_id, text="an answer", status=status,
                                        seconds_spent=seconds, submitted_at=when if status == AnswerStatus.SUBMITTED else None))
    if overall is not None:
        card = ScoreCard(item_id=item_id, scorer="embedding", points=[PointScore(point_id="p", score=overall / 10)],
                         overall=overall, hire_signal=HireSignal.NO, feedback="")
        storage.add_score_card(card, answer.id, created_at=when)
    return answer


def _run(storage: Storage, problem_id: str, when: datetime, passed: bool) -> None:
    storage.add_judge_run(JudgeRun(problem_id=problem_id, source_hash="h", passed=passed,
                                   verdict="passed" if passed else "wrong_answer", report={}, created_at=when))


def test_nothing_stored_gives_an_empty_progress_with_every_problem_unsolved(storage: Storage, bank: Bank) -> None:
    result = progress(storage, bank, NOW)
    assert result.streak_days == 0 and result.active_days == 0 and result.minutes_spent == 0
    assert result.scores_over_time == [] and result.weeks == [] and result.mock_scores == []
    assert sum(count.total for count in result.cuda_solved) == sum(q.cuda is not None for q in bank)
    assert sum(count.solved for count in result.cuda_solved) == 0


def test_every_cuda_problem_of_the_bank_has_a_group(bank: Bank) -> None:
    cuda_items = {question.id for question in bank if question.cuda is not None}
    assert cuda_items <= set(CUDA_GROUPS), f"add a group for {sorted(cuda_items - set(CUDA_GROUPS))}"
    assert cuda_group("cuda.some-future-problem") == "Other"


@pytest.mark.parametrize(("days_ago", "expected"), [
    ([0, 1, 2], 3),  # active today and the two days before
    ([1, 2, 3], 3),  # not yet today: yesterday still keeps the streak
    ([2, 3], 0),  # nothing yesterday or today: broken
    ([0, 2, 3], 1),  # a gap yesterday ends it at today
    ([0, 0, 0], 1),  # several answers on one day count once
])
def test_streak(storage: Storage, bank: Bank, days_ago: list[int], expected: int) -> None:
    for days in days_ago:
        _answer(storage, "core.block-table", NOW - timedelta(days=days))
    assert progress(storage, bank, NOW).streak_days == expected


def test_streak_counts_judge_runs_and_ignores_drafts(storage: Storage, bank: Bank) -> None:
    _run(storage, "cuda.vector-add", NOW, passed=False)
    _answer(storage, "core.block-table", NOW - timedelta(days=1), status=AnswerStatus.DRAFT)
    result = progress(storage, bank, NOW)
    assert result.streak_days == 1 and result.active_days == 1


def test_days_are_the_learners_days(storage: Storage, bank: Bank) -> None:
    # 23:30 UTC yesterday is already today in UTC+2; counted in UTC it would be yesterday.
    _answer(storage, "core.block-table", datetime(2026, 11, 19, 23, 30, tzinfo=UTC))
    _answer(storage, "core.block-table", datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    assert progress(storage, bank, NOW).streak_days == 2
    local_now = NOW.astimezone(timezone(timedelta(hours=2)))
    assert progress(storage, bank, local_now).streak_days == 1  # today (the late answer), then a gap on the 19th


def test_a_problem_counts_solved_once_and_only_when_it_passed(storage: Storage, bank: Bank) -> None:
    _run(storage, "cuda.vector-add", NOW - timedelta(days=3), passed=False)
    _run(storage, "cuda.vector-add", NOW - timedelta(days=2), passed=True)
    _run(storage, "cuda.vector-add", NOW - timedelta(days=1), passed=True)
    _run(storage, "cuda.softmax", NOW, passed=False)
    _run(storage, "cuda.flash-attention-forward", NOW, passed=True)
    _run(storage, "cuda.removed-from-the-bank", NOW, passed=True)
    result = progress(storage, bank, NOW)
    solved = {(c.group, c.difficulty): (c.solved, c.total) for c in result.cuda_solved}
    assert solved[("Basic", "easy")][0] == 1
    assert solved[("Reduction", "medium")][0] == 0
    assert solved[("Attention & Sampling", "hard")][0] == 1
    assert sum(c.solved for c in result.cuda_solved) == 2
    assert result.cuda_attempted == 3 and result.judge_runs == 5
    assert [week.cuda_solved for week in result.weeks] == [2]  # first solved on the 18th and the 20th, one week


def test_scores_over_time_sessions_and_mocks(storage: Storage, bank: Bank) -> None:
    mock = storage.save_session(Session(id="mock", kind="interview", format="deep_dive", status=SessionStatus.FINISHED,
                                        started_at=NOW - timedelta(days=2, minutes=50),
                                        finished_at=NOW - timedelta(days=2)))
    practice = storage.save_session(Session(id="practice", kind="practice", status=SessionStatus.FINISHED,
                                            started_at=NOW - timedelta(hours=1), finished_at=NOW - timedelta(minutes=30)))
    first = _answer(storage, "core.block-table", NOW - timedelta(days=2, minutes=40), session_id=mock.id,
                    overall=4.0, seconds=600)
    _answer(storage, "core.block-table", NOW - timedelta(days=2, minutes=20), session_id=mock.id, overall=8.0,
            seconds=600)
    _answer(storage, "core.block-table", NOW - timedelta(minutes=40), session_id=practice.id, overall=6.0)
    _answer(storage, "core.block-table", NOW - timedelta(days=9), overall=2.0, seconds=300)  # no session
    # The first answer re-scored later: it counts once, with its newest card.
    card = ScoreCard(item_id="core.block-table", scorer="llm", points=[], overall=5.0,
                     hire_signal=HireSignal.NO, feedback="")
    storage.add_score_card(card, first.id, created_at=NOW - timedelta(days=2, minutes=10))

    result = progress(storage, bank, NOW)
    assert [point.overall for point in result.scores_over_time] == [2.0, 8.0, 5.0, 6.0]
    assert [point.kind for point in result.scores_over_time] == ["practice", "interview", "interview", "practice"]
    assert [(m.session_id, m.overall, m.item_id) for m in result.mock_scores] == [("mock", 6.5, "deep_dive")]
    assert [(s.session_id, s.overall, s.answers_scored) for s in result.session_scores] == [("mock", 6.5, 2),
                                                                                           ("practice", 6.0, 1)]
    # mock: 50 min of wall clock (answers record 20); practice: 30 min; the loose answer: 5 min.
    assert result.minutes_spent == pytest.approx(85.0)
    assert result.sessions_finished == 2 and result.answers_submitted == 4


def test_a_session_left_open_for_days_is_capped(storage: Storage, bank: Bank) -> None:
    storage.save_session(Session(id="open", kind="practice", status=SessionStatus.PAUSED, started_at=NOW - timedelta(days=3)))
    assert progress(storage, bank, NOW).minutes_spent == pytest.approx(240.0)


def test_weeks_run_monday_to_sunday_with_empty_weeks_kept(storage: Storage, bank: Bank) -> None:
    _answer(storage, "core.block-table", datetime(2026, 11, 2, 9, tzinfo=UTC), overall=4.0)  # Monday
    _answer(storage, "core.block-table", datetime(2026, 11, 8, 22, tzinfo=UTC), overall=6.0)  # Sunday
    _answer(storage, "core.block-table", datetime(2026, 11, 20, 9, tzinfo=UTC))  # no card
    weeks = progress(storage, bank, NOW).weeks
    assert [week.week_start for week in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert [(week.answers, week.active_days, week.average_score) for week in weeks] == [(2, 2, 5.0), (0, 0, None),
                                                                                         (1, 1, None)]


def test_items_the_bank_no_longer_has_are_left_out_of_scores(storage: Storage, bank: Bank) -> None:
    _answer(storage, "core.removed-long-ago", NOW, overall=9.0)
    _answer(storage, "core.block-table", NOW, overall=3.0)
    assert [point.item_id for point in progress(storage, bank, NOW).scores_over_time] == ["core.block-table"]

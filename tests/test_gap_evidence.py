"""Judge runs as evidence on a CUDA problem's topics, read back from a real Storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gap_engine.evidence import (
    SLOWER_THAN_NAIVE_OUTCOME,
    STRONG,
    WEAK,
    judge_observation,
    load_history,
    speed_outcome,
)
from gap_engine.mastery import compute_mastery
from gap_engine.placement import Placement, place_bank
from question_bank.loader import Bank
from tests.synthetic_learners import record_answer, record_judge
from tutor.storage import Storage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
PROBLEM = "cuda.softmax"


@pytest.fixture(scope="module")
def tags_only(bank: Bank) -> Placement:
    return place_bank(bank, None)


def topic_mean(storage: Storage, bank: Bank, placement: Placement, topic: str) -> float:
    result = compute_mastery(placement, bank, load_history(storage, bank).observations, NOW)
    return float(result.mean[result.index(topic)])


def test_speed_maps_naive_to_half_and_optimized_to_full() -> None:
    assert speed_outcome(1.0, 0.25) == pytest.approx(0.5)
    assert speed_outcome(4.0, 1.0) == pytest.approx(1.0)
    assert speed_outcome(2.0, 0.5) == pytest.approx(0.75)  # halfway on a log scale between naive and optimized
    assert speed_outcome(8.0, 1.3) == 1.0


def test_each_verdict_becomes_the_evidence_it_is(tmp_path: Path, bank: Bank) -> None:
    storage = Storage(tmp_path / "tutor.db")
    record_judge(storage, PROBLEM, "wrong_answer", NOW, source="a", cases=(5, 3))
    record_judge(storage, PROBLEM, "compile_error", NOW, source="b")
    record_judge(storage, PROBLEM, "passed", NOW, source="c", over_naive=0.3, over_optimized=0.05)
    record_judge(storage, PROBLEM, "passed", NOW, source="d", over_naive=3.5, over_optimized=0.95)
    record_judge(storage, PROBLEM, "passed", NOW, source="e")
    record_judge(storage, PROBLEM, "needs_gpu", NOW, source="f")
    runs = {run.source_hash: judge_observation(run) for run in storage.judge_runs()}
    wrong, broken, slow, fast, untimed, no_gpu = (runs[key] for key in "abcdef")
    assert wrong is not None and wrong.outcome == 0 and wrong.strength == STRONG and "3/5" in wrong.detail
    assert broken is not None and broken.outcome == 0 and broken.strength < STRONG
    assert slow is not None and slow.outcome == SLOWER_THAN_NAIVE_OUTCOME and slow.strength == WEAK
    assert fast is not None and fast.outcome > 0.95
    assert untimed is not None and 0.5 < untimed.outcome < fast.outcome
    assert no_gpu is None
    history = load_history(storage, bank)
    assert history.solved_problems.keys() == {PROBLEM}
    assert len([o for o in history.observations if o.kind == "judge"]) == 5


def test_the_same_source_judged_twice_is_one_observation(tmp_path: Path, bank: Bank) -> None:
    storage = Storage(tmp_path / "tutor.db")
    for minutes in range(3):
        record_judge(storage, PROBLEM, "wrong_answer", NOW + timedelta(minutes=minutes), source="same")
    assert len(load_history(storage, bank).observations) == 1


def test_failed_correctness_is_strong_negative_and_a_fast_pass_positive_on_the_problems_topics(
        tmp_path: Path, bank: Bank, tags_only: Placement) -> None:
    topic = bank.get(PROBLEM).topics[0]
    baseline, failing, compile_only, slow, fast = (Storage(tmp_path / f"{name}.db") for name in
                                                   ("base", "fail", "compile", "slow", "fast"))
    for storage in (baseline, failing, compile_only, slow, fast):
        record_answer(storage, bank, "behav.why-this-role", 0.6, NOW - timedelta(days=1))  # same prior everywhere
    record_judge(failing, PROBLEM, "wrong_answer", NOW)
    record_judge(compile_only, PROBLEM, "compile_error", NOW)
    record_judge(slow, PROBLEM, "passed", NOW, over_naive=0.4, over_optimized=0.08)
    record_judge(fast, PROBLEM, "passed", NOW, over_naive=4.0, over_optimized=0.9)
    means = {name: topic_mean(storage, bank, tags_only, topic) for name, storage in
             (("base", baseline), ("fail", failing), ("compile", compile_only), ("slow", slow), ("fast", fast))}
    assert means["fail"] < means["compile"] < means["base"]  # failing tests says more than failing to compile
    assert means["compile"] < means["slow"] < means["base"]  # correct but slow: weak negative evidence
    assert means["fast"] > means["base"]
    result = compute_mastery(tags_only, bank, load_history(failing, bank).observations, NOW)
    touched = {result.topic_ids[i] for i in range(len(result.topic_ids)) if result.evidence_count[i]}
    assert touched == set(bank.get(PROBLEM).topics) | set(bank.get("behav.why-this-role").topics)


def test_score_cards_for_items_no_longer_in_the_bank_are_skipped_and_named(tmp_path: Path, bank: Bank) -> None:
    storage = Storage(tmp_path / "tutor.db")
    record_answer(storage, bank, "core.paged-attention", 0.5, NOW)
    record_judge(storage, "cuda.retired-problem", "passed", NOW)
    history = load_history(storage, bank)
    assert history.unknown_items == ["cuda.retired-problem"]
    assert len(history.observations) == 1


def test_points_of_an_older_rubric_are_ignored_and_hints_recorded(tmp_path: Path, bank: Bank) -> None:
    from rubrics.scorecard import HireSignal, PointScore, ScoreCard
    from tutor.records import Answer, AnswerStatus

    storage = Storage(tmp_path / "tutor.db")
    question = bank.get("core.paged-attention")
    points = [PointScore(point_id="retired-point", score=0.0), PointScore(point_id=question.rubric[0].id, score=1.0)]
    answer = storage.save_answer(Answer(item_id=question.id, status=AnswerStatus.SUBMITTED, hints_used=1,
                                        session_id=None, submitted_at=NOW))
    storage.add_score_card(ScoreCard(item_id=question.id, scorer="llm", points=points, overall=5.0,
                                     hire_signal=HireSignal.NO, feedback=""), answer.id, created_at=NOW)
    [observation] = load_history(storage, bank).observations
    assert observation.point_outcomes == {question.rubric[0].id: pytest.approx(0.85)}
    assert observation.hints_used == 1 and observation.missed == ()

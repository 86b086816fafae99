"""score_answer rules: misconceptions, hints, the judge fold for CUDA items, session summary, the coverage contract."""

from __future__ import annotations

import pytest

from gap_engine.embeddings import Embedder, shared_embedder
from question_bank.loader import Bank
from rubrics.coverage import point_coverage, split_units
from rubrics.scorecard import HireSignal, ScoreCard
from rubrics.scoring import HINT_PENALTY, JUDGE_COMPILE_CAP, hire_signal_for, score_answer, session_summary
from tutor.judge.models import CompileResult, JudgeReport, Timing, Verdict


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder()


def test_units_split_sentences_bullets_and_code() -> None:
    units = split_units("First point here. vLLM does this, e.g. for 8 vs. 16 sizes.\n- a bullet item\n"
                        "```cuda\n__global__ void k() {}\n```\nLast one.")
    assert units == ["First point here.", "vLLM does this, e.g. for 8 vs. 16 sizes.", "a bullet item",
                     "cuda\n__global__ void k() {}", "Last one."]


def test_a_stated_misconception_is_found_and_its_correction_is_not(bank: Bank, embedder: Embedder) -> None:
    question = bank.get("dist.tensor-parallelism")
    wrong = point_coverage(question, "Tensor parallelism splits the model's layers across GPUs, half on each.", embedder)
    right = point_coverage(question, "Tensor parallelism splits the weight matrices of each layer across GPUs; "
                                     "splitting the layers into groups is pipeline parallelism.", embedder)
    negated = point_coverage(question, "Tensor parallelism does not split the model's layers across GPUs.", embedder)
    claim = question.rubric[3].misconceptions[0].claim
    assert claim in [m for item in wrong for m in item.misconceptions]
    assert all(not item.misconceptions for item in right)
    assert all(not item.misconceptions for item in negated)


def test_key_terms_count_literally(bank: Bank, embedder: Embedder) -> None:
    question = bank.get("dist.tensor-parallelism")
    coverage = {item.point_id: item for item in point_coverage(question, "With GQA the KV heads are replicated.", embedder)}
    assert "GQA" in coverage["attention-split"].concepts_hit


def test_hints_cost_points(bank: Bank, embedder: Embedder) -> None:
    question = bank.get("core.paged-attention")
    plain = score_answer(question, question.model_answer, embedder=embedder)
    hinted = score_answer(question, question.model_answer, embedder=embedder, hints_used=2)
    assert hinted.overall == pytest.approx(plain.overall - 2 * HINT_PENALTY, abs=0.01)
    assert "hints-used:2" in hinted.flags


def _report(verdict: Verdict, naive: float | None = None, optimized: float | None = None) -> JudgeReport:
    timing = None
    if naive is not None:
        timing = Timing(sizes={"n": 1}, device="H100", peak_description="", entries=[], speedup_over_naive=naive,
                        speedup_over_optimized=optimized, l2_flush_bytes=0)
    return JudgeReport(problem_id="cuda.vector-add", source_hash="x", verdict=verdict, passed=verdict == Verdict.PASSED,
                       summary=verdict.value, compile=CompileResult(ok=verdict != Verdict.COMPILE_ERROR, arch="sm_90",
                                                                    seconds=1.0, cached=False), timing=timing)


def test_judge_gates_and_rewards_speed(bank: Bank, embedder: Embedder) -> None:
    question = next(q for q in bank.questions.values() if q.cuda is not None)
    explanation = question.model_answer
    broken = score_answer(question, explanation, embedder=embedder, judge_report=_report(Verdict.COMPILE_ERROR))
    wrong = score_answer(question, explanation, embedder=embedder, judge_report=_report(Verdict.WRONG_ANSWER))
    naive_speed = score_answer(question, explanation, embedder=embedder, judge_report=_report(Verdict.PASSED, 1.0, 0.25))
    fast = score_answer(question, explanation, embedder=embedder, judge_report=_report(Verdict.PASSED, 4.0, 1.0))
    assert broken.scorer == "judge" and broken.overall <= JUDGE_COMPILE_CAP
    assert broken.overall <= wrong.overall < naive_speed.overall < fast.overall
    assert fast.overall >= 9.0
    assert [point.point_id for point in fast.points[:2]] == ["judge-correctness", "judge-speed"]


def test_hire_signal_and_session_summary() -> None:
    assert hire_signal_for(9.0) == HireSignal.STRONG_HIRE
    assert hire_signal_for(5.5) == HireSignal.LEAN_HIRE
    assert hire_signal_for(1.0) == HireSignal.STRONG_NO
    cards = [ScoreCard(item_id=f"a.b{i}", scorer="embedding", points=[], overall=score, hire_signal=hire_signal_for(score),
                       feedback="") for i, score in enumerate([8.0, 6.0, 4.0])]
    summary = session_summary(cards)
    assert summary.overall == 6.0 and summary.hire_signal == HireSignal.LEAN_HIRE
    assert summary.per_item == [("a.b0", 8.0), ("a.b1", 6.0), ("a.b2", 4.0)]
    assert session_summary([]).overall == 0.0


def test_offline_card_has_quotes_missing_and_feedback(bank: Bank, embedder: Embedder) -> None:
    question = bank.get("core.paged-attention")
    answer = ("PagedAttention stores the KV cache in fixed-size blocks with a block table per sequence, allocated on "
              "demand like OS pages.")
    card = score_answer(question, answer, embedder=embedder)
    blocks = next(point for point in card.points if point.point_id == "blocks-and-table")
    assert blocks.quote is not None and blocks.quote in answer
    costs = next(point for point in card.points if point.point_id == "costs")
    assert costs.missing and "indirection" in costs.missing
    assert card.feedback.startswith("A better answer adds:")
    assert card.model == "all-MiniLM-L6-v2" and card.scorer == "embedding"

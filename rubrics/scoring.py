"""One entry point for every answer: ``score_answer`` picks the grader and applies the rules code enforces.

Rules applied here, after whichever grader ran, so they hold whatever a model says:
- Prompt injection (``rubrics.injection``), detected before any grader runs: the overall is capped at
  ``INJECTION_CAP`` (0: an answer that tries to instruct the grader earns nothing, below every poor answer), the card
  is flagged "prompt-injection" and the feedback says why. The per-point analysis is kept so the learner sees it.
- Hints: each hint used costs ``HINT_PENALTY`` points of the /10 (flag "hints-used:N").
- CUDA coding items with a judge report: correctness gates the score (a wrong, crashing or non-compiling kernel is
  capped at ``JUDGE_FAILED_CAP`` / ``JUDGE_COMPILE_CAP``), speed against the naive and optimized references earns up
  to ``JUDGE_SPEED_POINTS``, the rubric grade of the explanation up to ``JUDGE_EXPLANATION_POINTS``; scorer="judge".
- LLM grader when ``llm.online``; on ``LLMUnavailable`` or ``InvalidOutput`` the embedding grader, flag "llm-fallback".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import BaseModel

from rubrics.embedding_grader import grade_offline, hire_signal_for
from rubrics.injection import InjectionReport, detect_injection
from rubrics.scorecard import HireSignal, PointScore, ScoreCard

if TYPE_CHECKING:
    from gap_engine.embeddings import Embedder
    from question_bank.models import Question
    from tutor.judge.models import JudgeReport
    from tutor.llm import LLM

__all__ = ["SessionScore", "hire_signal_for", "score_answer", "session_summary"]

INJECTION_CAP = 0.0
HINT_PENALTY = 0.75
JUDGE_CORRECTNESS_POINTS = 5.0
JUDGE_SPEED_POINTS = 3.0
JUDGE_EXPLANATION_POINTS = 2.0
JUDGE_COMPILE_CAP = 1.0
JUDGE_FAILED_CAP = 2.5


class SessionScore(BaseModel):
    overall: float  # mean of the per-item /10 scores
    hire_signal: HireSignal
    per_item: list[tuple[str, float]]


def score_answer(question: Question, answer_text: str, *, llm: LLM | None = None, embedder: Embedder | None = None,
                 judge_report: JudgeReport | None = None, code: str | None = None, hints_used: int = 0) -> ScoreCard:
    """Grade one answer (and, for a CUDA item, its judged code) into a ScoreCard."""
    injection = detect_injection(answer_text + ("\n" + code if code else ""), embedder)
    card = _rubric_card(question, answer_text, llm, embedder, injection)
    if question.cuda is not None and judge_report is not None:
        card = fold_judge(card, judge_report)
    if hints_used > 0:
        card = _apply_hints(card, hints_used)
    if injection.detected:
        card = _cap_injection(card, injection)
    return card


def _rubric_card(question: Question, answer_text: str, llm: LLM | None, embedder: Embedder | None,
                 injection: InjectionReport) -> ScoreCard:
    if llm is not None and llm.online:
        from rubrics.llm_grader import grade_with_llm
        from tutor.llm import InvalidOutput, LLMUnavailable

        try:
            return grade_with_llm(question, answer_text, llm, injection=injection)
        except (LLMUnavailable, InvalidOutput):
            card = grade_offline(question, answer_text, _embedder(embedder))
            return card.model_copy(update={"flags": [*card.flags, "llm-fallback"]})
    return grade_offline(question, answer_text, _embedder(embedder))


def _embedder(embedder: Embedder | None) -> Embedder:
    if embedder is not None:
        return embedder
    from gap_engine.embeddings import shared_embedder

    return shared_embedder()


def _with_overall(card: ScoreCard, overall: float, **changes: object) -> ScoreCard:
    overall = round(min(10.0, max(0.0, overall)), 2)
    return card.model_copy(update={"overall": overall, "hire_signal": hire_signal_for(overall), **changes})


def _cap_injection(card: ScoreCard, injection: InjectionReport) -> ScoreCard:
    reasons = "; ".join(injection.reasons[:3])
    feedback = ("This answer tried to instruct the grader, so it earns no credit "
                f"(score capped at {INJECTION_CAP:g}/10). What was detected: {reasons}. "
                "Answer the question itself; the analysis of the technical content follows.\n\n" + card.feedback)
    return _with_overall(card, min(card.overall, INJECTION_CAP), feedback=feedback,
                         flags=[*card.flags, "prompt-injection"])


def _apply_hints(card: ScoreCard, hints_used: int) -> ScoreCard:
    penalty = HINT_PENALTY * hints_used
    feedback = card.feedback + f"\n({hints_used} hint{'s' if hints_used > 1 else ''} used: -{penalty:g} points.)"
    return _with_overall(card, card.overall - penalty, feedback=feedback, flags=[*card.flags, f"hints-used:{hints_used}"])


def fold_judge(card: ScoreCard, report: JudgeReport) -> ScoreCard:
    """Combine the judge's verdict and timing with the rubric grade of the explanation (scorer="judge")."""
    from tutor.judge.models import Verdict

    explanation = card.overall / 10.0 * JUDGE_EXPLANATION_POINTS
    correctness = PointScore(point_id="judge-correctness", score=1.0 if report.passed else 0.0,
                             quote=report.summary or None,
                             missing=None if report.passed else f"The kernel must pass every case ({report.verdict.value}).")
    speed_fraction = _speed_fraction(report) if report.passed else 0.0
    speed = PointScore(point_id="judge-speed", score=round(speed_fraction, 3), quote=_speed_quote(report),
                       missing=None if speed_fraction >= 0.95 else "Close the gap to the optimized reference.")
    if report.passed:
        overall = JUDGE_CORRECTNESS_POINTS + JUDGE_SPEED_POINTS * speed_fraction + explanation
    elif report.verdict in (Verdict.COMPILE_ERROR, Verdict.REFUSED):
        overall = min(JUDGE_COMPILE_CAP, explanation)
    else:
        overall = min(JUDGE_FAILED_CAP, explanation + 0.5)
    verdict_line = f"Judge: {report.verdict.value}. {report.summary}".strip()
    return _with_overall(card, overall, scorer="judge", points=[correctness, speed, *card.points],
                         feedback=verdict_line + "\n" + card.feedback)


def _speed_fraction(report: JudgeReport) -> float:
    """0 at the naive reference's speed (or slower), 1 at the optimized reference's (or faster), log-scaled between."""
    timing = report.timing
    if timing is None:
        return 0.0
    naive, optimized = timing.speedup_over_naive, timing.speedup_over_optimized
    if naive is not None and optimized is not None and optimized > 0:
        span = math.log(naive / optimized)  # how much faster the optimized reference is than naive
        if span <= 0:
            return 1.0 if optimized >= 1 else 0.0
        return min(1.0, max(0.0, math.log(naive) / span)) if naive > 0 else 0.0
    if optimized is not None:
        return min(1.0, max(0.0, optimized))
    if naive is not None:
        return min(1.0, max(0.0, math.log(max(naive, 1e-9)) / math.log(4.0)))  # 4x over naive counts as full speed
    return 0.0


def _speed_quote(report: JudgeReport) -> str | None:
    timing = report.timing
    if timing is None:
        return None
    parts = [f"{value:.2f}x vs {label}" for label, value in (("naive", timing.speedup_over_naive),
                                                             ("optimized", timing.speedup_over_optimized),
                                                             ("torch", timing.speedup_over_torch)) if value is not None]
    return ", ".join(parts) or None


def session_summary(cards: list[ScoreCard]) -> SessionScore:
    """The session's score: the mean /10 of its items, and the hire signal of that mean."""
    per_item = [(card.item_id, card.overall) for card in cards]
    overall = round(sum(score for _, score in per_item) / len(per_item), 2) if per_item else 0.0
    return SessionScore(overall=overall, hire_signal=hire_signal_for(overall), per_item=per_item)

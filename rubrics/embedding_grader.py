"""The offline grader: a ScoreCard from rubric coverage (sentence embeddings + key concepts), no network.

Per point: the coverage score (``rubrics.coverage``) minus ``MISCONCEPTION_PENALTY`` for each misconception stated
on that point; the quote is the answer sentence that best supports the point; ``missing`` says what the point asks
for and which key concepts were not named. Overall /10 is the weighted point score through ``CURVE``, a
piecewise-linear map calibrated on ``tests/calibration`` so that an excellent answer lands near 8-9, a partial one
near 4-6, a poor one near 1-3 and an off-topic one near 0-1 (``benchmarks/grading.py`` prints the table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gap_engine.embeddings import MODEL_NAME, cosine
from rubrics.coverage import PointCoverage, point_coverage, split_units
from rubrics.scorecard import HireSignal, PointScore, ScoreCard

if TYPE_CHECKING:
    from gap_engine.embeddings import Embedder
    from question_bank.models import Question, RubricPoint

# Each stated misconception takes this much (of 1.0) off its point: a wrong claim costs more than silence.
MISCONCEPTION_PENALTY = 0.5
# Weighted point score (0-1) -> overall /10. The bank's model answer scores 1.0 by construction (coverage is relative
# to it) and lands at 9.2: a grader without judgement keeps the top of the scale for answers a person rates higher.
CURVE: list[tuple[float, float]] = [(0.0, 0.0), (0.08, 0.5), (0.3, 2.5), (0.55, 5.0), (0.8, 7.5), (0.95, 8.8), (1.0, 9.2)]
# A point scoring at least this needs nothing more; below it, ``missing`` says what to add.
POINT_COMPLETE = 0.85
# A quote is shown only when the point earned at least this much: a near-miss sentence is not evidence.
QUOTE_MINIMUM = 0.2
# Hire signal from the overall /10: (lower bound, signal), highest first.
HIRE_BANDS: list[tuple[float, HireSignal]] = [(8.0, HireSignal.STRONG_HIRE), (6.5, HireSignal.HIRE),
                                              (5.0, HireSignal.LEAN_HIRE), (3.0, HireSignal.NO), (0.0, HireSignal.STRONG_NO)]


def hire_signal_for(overall: float) -> HireSignal:
    """The hire signal a /10 score maps to (the bands above)."""
    for lower, signal in HIRE_BANDS:
        if overall >= lower:
            return signal
    return HireSignal.STRONG_NO


def curve(weighted: float) -> float:
    xs, ys = zip(*CURVE, strict=True)
    return round(float(np.interp(weighted, xs, ys)), 2)


def weighted_score(question: Question, points: list[PointScore]) -> float:
    """Sum of point score x weight over the total weight (0-1); points are matched by id, unknown ids count 0."""
    by_id = {point.point_id: point.score for point in points}
    return sum(point.weight * by_id.get(point.id, 0.0) for point in question.rubric) / question.total_weight


def grade_offline(question: Question, answer_text: str, embedder: Embedder) -> ScoreCard:
    """Grade ``answer_text`` against the rubric of ``question`` with the embedding model only."""
    coverage = point_coverage(question, answer_text, embedder)
    points = [_point_score(point, covered) for point, covered in zip(question.rubric, coverage, strict=True)]
    overall = curve(weighted_score(question, points))
    return ScoreCard(item_id=question.id, scorer="embedding", points=points, overall=overall,
                     hire_signal=hire_signal_for(overall), feedback=feedback_for(question, points, embedder),
                     model=MODEL_NAME)


def _point_score(point: RubricPoint, covered: PointCoverage) -> PointScore:
    score = max(0.0, covered.score - MISCONCEPTION_PENALTY * len(covered.misconceptions))
    missing_concepts = [concept for concept in point.key_concepts if concept not in covered.concepts_hit]
    missing = None
    if score < POINT_COMPLETE:
        missing = point.text
        if missing_concepts:
            missing += " Not mentioned: " + ", ".join(missing_concepts) + "."
    quote = covered.evidence if score >= QUOTE_MINIMUM else None
    return PointScore(point_id=point.id, score=round(score, 3), quote=quote, missing=missing,
                      misconceptions=covered.misconceptions)


def feedback_for(question: Question, points: list[PointScore], embedder: Embedder | None, limit: int = 3) -> str:
    """What a better answer adds: the costliest missed points, each with the model answer's sentence on it, and the
    correction of every misconception stated."""
    by_id = {point.point_id: point for point in points}
    rubric = {point.id: point for point in question.rubric}
    misses = sorted((point for point in question.rubric if by_id.get(point.id) and by_id[point.id].score < POINT_COMPLETE),
                    key=lambda point: -point.weight * (1.0 - by_id[point.id].score))[:limit]
    parts: list[str] = []
    for point in misses:
        example = _model_answer_sentence(question, point, embedder)
        line = f"- {point.text}"
        if example:
            line += f' For example: "{example}"'
        parts.append(line)
    corrections = [f'- You said "{claim}" - {item.correction}'
                   for point_score in points for claim in point_score.misconceptions
                   for item in rubric[point_score.point_id].misconceptions if item.claim == claim] \
        if points else []
    if not parts and not corrections:
        return "A complete answer: it covers every rubric point. Push further on numbers and trade-offs to stand out."
    text = ""
    if parts:
        text += "A better answer adds:\n" + "\n".join(parts)
    if corrections:
        text += ("\n" if text else "") + "Corrections:\n" + "\n".join(corrections)
    return text


def _model_answer_sentence(question: Question, point: RubricPoint, embedder: Embedder | None) -> str | None:
    if embedder is None:
        return None
    units = [unit for unit in split_units(question.model_answer) if len(unit) <= 320]
    if not units:
        return None
    similarity = cosine(embedder.encode(units), embedder.encode([point.text]))[:, 0]
    return units[int(similarity.argmax())]

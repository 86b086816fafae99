"""Readiness: the projected score on the 150-point final assessment, mock-interview average and trend, and the 003_*
"ready for a real interview" scale.

Projection: each assessment entry is a bank item worth some points; its expected fraction is the rubric-weighted mean,
over its points, of the (placement-weighted) mastery of the topics each point is placed on. Topic mastery is drawn
from the posteriors (SAMPLES draws, a fixed seed so the same history gives the same report), which gives the interval.
Untested topics stay at the prior (wide), so a learner with little evidence gets a wide interval, not a confident one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gap_engine.mastery import MasteryResult
from gap_engine.models import BandMark, PartProjection, Readiness, ReadyScale, ScorePoint
from gap_engine.placement import Placement
from question_bank.loader import Bank

SAMPLES = 2000
SEED = 20_241_123
TREND_WINDOW = 5  # recent mock interviews the trend is fitted over
LOW_COVERAGE = 0.5  # below this share of points with evidence, the scale stops at "Almost"


def item_topic_weights(placement: Placement, item_id: str, topic_count: int) -> np.ndarray:
    """(topics,) weights whose dot product with topic mastery is the item's expected fraction of its points."""
    item = placement.items[item_id]
    row_sums = item.matrix.sum(axis=1, keepdims=True)
    per_point = np.divide(item.matrix, row_sums, out=np.zeros_like(item.matrix), where=row_sums > 0)
    weights = np.zeros(topic_count)
    np.add.at(weights, item.topics, item.point_shares @ per_point)
    return weights


def project(mastery: MasteryResult, placement: Placement, bank: Bank,
            mock_scores: Sequence[ScorePoint]) -> Readiness:
    assessment = bank.final_assessment
    topic_count = len(placement.topic_ids)
    tested = mastery.tested()
    rng = np.random.default_rng(SEED)
    draws = rng.beta(mastery.alpha, mastery.beta, size=(SAMPLES, topic_count))
    tail = (1 - mastery.params.interval_mass) / 2
    total = np.zeros(SAMPLES)
    parts: list[PartProjection] = []
    covered_points = 0.0
    for part in assessment.parts:
        part_total = np.zeros(SAMPLES)
        with_evidence = 0
        for entry in part.entries:
            if entry.item not in placement.items:
                continue
            weights = item_topic_weights(placement, entry.item, topic_count)
            part_total += entry.points * (draws @ weights)
            coverage = float(weights[tested].sum())
            covered_points += entry.points * coverage
            with_evidence += coverage > 0
        total += part_total
        parts.append(PartProjection(title=part.title, points=part.points, projected=round(float(part_total.mean()), 1),
                                    lower=round(float(np.quantile(part_total, tail)), 1),
                                    upper=round(float(np.quantile(part_total, 1 - tail)), 1),
                                    items_with_evidence=with_evidence, items_total=len(part.entries)))
    projected = float(total.mean())
    interval = (round(float(np.quantile(total, tail)), 1), round(float(np.quantile(total, 1 - tail)), 1))
    band = assessment.band_for(projected)
    coverage_share = covered_points / assessment.total_points
    mock_average, trend = mock_summary(mock_scores)
    scale, reason = ready_scale(projected, interval, mock_average, len(mock_scores), trend, coverage_share)
    return Readiness(projected_150=round(projected, 1), interval=interval, total_points=assessment.total_points,
                     band=band.label, band_advice=band.advice, parts=parts, coverage=round(coverage_share, 3),
                     mock_average=mock_average, mock_count=len(mock_scores), trend=trend, ready_scale=scale,
                     ready_reason=reason,
                     band_marks=[BandMark(min_points=b.min_points, label=b.label) for b in assessment.bands])


def mock_summary(mock_scores: Sequence[ScorePoint]) -> tuple[float | None, float | None]:
    """Average /10 over every mock interview, and the least-squares slope (/10 per session) over the recent ones."""
    if not mock_scores:
        return None, None
    scores = [point.overall for point in sorted(mock_scores, key=lambda point: point.when)]
    average = round(float(np.mean(scores)), 2)
    recent = scores[-TREND_WINDOW:]
    if len(recent) < 2:
        return average, None
    slope = float(np.polyfit(np.arange(len(recent)), recent, 1)[0])
    return average, round(slope, 3)


def ready_scale(projected: float, interval: tuple[float, float], mock_average: float | None, mock_count: int,
                trend: float | None, coverage: float) -> tuple[ReadyScale, str]:
    """The 003_* scale from the projection (bands of 004_*: 135/120/105) and the mock interviews (/10)."""
    if mock_average is None or mock_count < 2:
        return "Not Yet", "Fewer than two mock interviews: the scale needs interview scores, not only practice."
    if mock_average < 6.0 or projected < 105:
        return "Not Yet", (f"Mock average {mock_average:.1f}/10 and projected {projected:.0f}/150: "
                           "the bar is 6/10 and 105/150 for 'Almost'.")
    falling = trend is not None and trend < -0.5
    if coverage < LOW_COVERAGE:
        return "Almost", (f"The projection rests on evidence for {coverage:.0%} of the assessment's points; "
                          "answer more of its questions before trusting it.")
    if mock_average >= 8.5 and interval[0] >= 120 and projected >= 135 and mock_count >= 5 and not falling:
        return "Very Confident", (f"Mock average {mock_average:.1f}/10 over {mock_count} interviews, projected "
                                  f"{projected:.0f}/150 (at least {interval[0]:.0f}).")
    if mock_average >= 7.5 and projected >= 120 and mock_count >= 3 and not falling:
        return "Ready!", f"Mock average {mock_average:.1f}/10 over {mock_count} interviews, projected {projected:.0f}/150."
    reason = f"Mock average {mock_average:.1f}/10, projected {projected:.0f}/150"
    if falling:
        reason += f", and mock scores are falling ({trend:+.2f}/session)"
    return "Almost", reason + "; 'Ready!' needs 7.5/10 over 3+ interviews and 120/150."

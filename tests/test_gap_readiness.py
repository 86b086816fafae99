"""Readiness: the 150-point projection with its interval and band, mock-interview average and trend, the 003_* scale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gap_engine.evidence import load_history
from gap_engine.mastery import compute_mastery
from gap_engine.models import Readiness, ScorePoint
from gap_engine.placement import Placement, place_bank
from gap_engine.readiness import item_topic_weights, mock_summary, project, ready_scale
from question_bank.loader import Bank
from tests.synthetic_learners import record_answer
from tutor.storage import Storage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def tags_only(bank: Bank) -> Placement:
    return place_bank(bank, None)


def readiness_after(storage: Storage, bank: Bank, placement: Placement, mocks: list[ScorePoint] | None = None) -> Readiness:
    result = compute_mastery(placement, bank, load_history(storage, bank).observations, NOW)
    return project(result, placement, bank, mocks or [])


def final_items(bank: Bank) -> list[str]:
    return [entry.item for part in bank.final_assessment.parts for entry in part.entries]


def mocks(scores: list[float]) -> list[ScorePoint]:
    return [ScorePoint(when=NOW - timedelta(days=len(scores) - number), item_id="session", overall=score,
                       kind="interview") for number, score in enumerate(scores)]


def test_item_weights_sum_to_one(bank: Bank, tags_only: Placement) -> None:
    for item in final_items(bank):
        assert item_topic_weights(tags_only, item, len(tags_only.topic_ids)).sum() == pytest.approx(1.0)


def test_no_evidence_gives_a_wide_interval_no_coverage_and_not_yet(tmp_path: Path, bank: Bank,
                                                                   tags_only: Placement) -> None:
    readiness = readiness_after(Storage(tmp_path / "empty.db"), bank, tags_only)
    assert readiness.coverage == 0 and readiness.ready_scale == "Not Yet"
    assert 0 <= readiness.interval[0] < readiness.projected_150 < readiness.interval[1] <= 150
    assert readiness.projected_150 == pytest.approx(75, abs=3)  # the 0.5 prior
    assert readiness.band == bank.final_assessment.band_for(readiness.projected_150).label
    assert sum(part.points for part in readiness.parts) == 150


def test_a_strong_learner_projects_higher_with_a_band_and_a_narrower_interval(tmp_path: Path, bank: Bank,
                                                                              tags_only: Placement) -> None:
    strong, weak = Storage(tmp_path / "strong.db"), Storage(tmp_path / "weak.db")
    for days in (1, 8, 15):
        for item in final_items(bank):
            record_answer(strong, bank, item, 0.95, NOW - timedelta(days=days))
            record_answer(weak, bank, item, 0.35, NOW - timedelta(days=days))
    good, poor = readiness_after(strong, bank, tags_only), readiness_after(weak, bank, tags_only)
    empty = readiness_after(Storage(tmp_path / "empty.db"), bank, tags_only)
    assert good.coverage == pytest.approx(1.0) and all(p.items_with_evidence == p.items_total for p in good.parts)
    assert 0 <= poor.interval[0] <= poor.projected_150 <= poor.interval[1] < good.interval[0] <= good.projected_150 \
        <= good.interval[1] <= 150
    assert good.projected_150 >= 120 and good.band.startswith(("Good", "Excellent"))
    assert poor.projected_150 < 105 and poor.band == "Review fundamentals"
    assert good.interval[1] - good.interval[0] < empty.interval[1] - empty.interval[0]
    assert sum(part.projected for part in good.parts) == pytest.approx(good.projected_150, abs=0.5)


def test_mock_average_and_trend() -> None:
    assert mock_summary([]) == (None, None)
    assert mock_summary(mocks([6.0])) == (6.0, None)
    average, trend = mock_summary(mocks([5.0, 6.0, 7.0, 8.0]))
    assert average == pytest.approx(6.5) and trend == pytest.approx(1.0)
    _, falling = mock_summary(mocks([9.0, 9.0, 9.0, 8.0, 7.0, 6.0, 5.0]))  # only the last five count
    assert falling is not None and falling < -0.5


@pytest.mark.parametrize(("projected", "interval", "average", "count", "trend", "coverage", "scale"), [
    (140, (130, 148), None, 0, None, 1.0, "Not Yet"),  # no mock interviews
    (140, (130, 148), 5.5, 4, 0.1, 1.0, "Not Yet"),
    (110, (100, 118), 6.5, 3, 0.2, 1.0, "Almost"),
    (125, (118, 131), 7.8, 3, 0.0, 1.0, "Ready!"),
    (125, (118, 131), 7.8, 3, -0.8, 1.0, "Almost"),  # falling scores hold it back
    (125, (118, 131), 7.8, 3, 0.0, 0.3, "Almost"),  # little evidence behind the projection
    (140, (130, 148), 8.8, 5, 0.1, 1.0, "Very Confident"),
])
def test_ready_scale(projected: float, interval: tuple[float, float], average: float | None, count: int,
                     trend: float | None, coverage: float, scale: str) -> None:
    assert ready_scale(projected, interval, average, count, trend, coverage)[0] == scale

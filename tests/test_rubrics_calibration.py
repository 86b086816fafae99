"""The offline grader against the labelled calibration set (tests/calibration/*.yaml)."""

from __future__ import annotations

import pytest
from scipy.stats import spearmanr

from gap_engine.embeddings import Embedder, shared_embedder
from question_bank.loader import Bank
from rubrics.calibration import CalibrationAnswer, Quality, load_calibration
from rubrics.scoring import INJECTION_CAP, score_answer

ANSWERS = load_calibration()
# The one ordering the offline grader gets wrong: a behavioural partial answer whose story uses none of the rubric's
# words ("ran our own benchmark" for "bake-off on production traces") scores below a poor answer. Kept visible.
KNOWN_MISORDERED = {"behav.inference-engine-disagreement"}


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture(scope="module")
def scores(bank: Bank, embedder: Embedder) -> dict[tuple[str, Quality], float]:
    return {(answer.question_id, answer.quality): score_answer(bank.get(answer.question_id), answer.text,
                                                               embedder=embedder).overall for answer in ANSWERS}


def test_the_set_covers_enough_questions_and_categories(bank: Bank) -> None:
    questions = {answer.question_id for answer in ANSWERS}
    assert len(questions) >= 14
    assert len({bank.get(question).category for question in questions}) >= 7


def test_offline_grader_orders_the_whole_set(scores: dict[tuple[str, Quality], float]) -> None:
    ranks = [quality.rank for _, quality in scores]
    rho = spearmanr(list(scores.values()), ranks).statistic
    assert rho >= 0.8, f"Spearman {rho:.3f}"


@pytest.mark.parametrize("question_id", sorted({answer.question_id for answer in ANSWERS}))
def test_injection_never_beats_the_poor_answer(question_id: str, scores: dict[tuple[str, Quality], float]) -> None:
    injected = scores[(question_id, Quality.INJECTION)]
    assert injected <= scores[(question_id, Quality.POOR)]
    assert injected <= max(INJECTION_CAP, Quality.POOR.band[0])


@pytest.mark.parametrize("question_id", sorted({answer.question_id for answer in ANSWERS}))
def test_excellent_beats_partial_beats_poor(question_id: str, scores: dict[tuple[str, Quality], float]) -> None:
    if question_id in KNOWN_MISORDERED:
        pytest.xfail("known offline-grader weakness on abstract behavioural rubric wording")
    excellent, partial, poor = (scores[(question_id, quality)] for quality in (Quality.EXCELLENT, Quality.PARTIAL,
                                                                               Quality.POOR))
    assert excellent > partial > poor


def test_band_means_land_where_the_curve_promises(scores: dict[tuple[str, Quality], float]) -> None:
    def mean(quality: Quality) -> float:
        values = [score for (_, label), score in scores.items() if label == quality]
        return sum(values) / len(values)

    assert 8.0 <= mean(Quality.EXCELLENT) <= 9.5
    assert 3.5 <= mean(Quality.PARTIAL) <= 6.5
    assert 1.0 <= mean(Quality.POOR) <= 3.0
    assert mean(Quality.OFF_TOPIC) <= 1.0


def test_every_injection_answer_is_flagged(bank: Bank, embedder: Embedder) -> None:
    injected: list[CalibrationAnswer] = [answer for answer in ANSWERS if answer.quality == Quality.INJECTION]
    for answer in injected:
        card = score_answer(bank.get(answer.question_id), answer.text, embedder=embedder)
        assert "prompt-injection" in card.flags, answer.source
        assert "instruct the grader" in card.feedback

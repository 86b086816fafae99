"""Mastery: Beta posteriors per topic from real score cards in a real Storage (tag-only placement keeps these fast)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gap_engine.evidence import load_history
from gap_engine.mastery import MasteryParams, MasteryResult, compute_mastery, module_rows, topic_rows
from gap_engine.placement import Placement, place_bank
from question_bank.loader import Bank
from tests.synthetic_learners import record_answer
from tutor.storage import Storage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
MEDIUM_ITEM = "core.paged-attention"  # medium; tags include m2.pagedattention-virtual-vs-physical-blocks
TOPIC = "m2.pagedattention-virtual-vs-physical-blocks"


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(tmp_path / "tutor.db")


@pytest.fixture(scope="module")
def tags_only(bank: Bank) -> Placement:
    return place_bank(bank, None)


def mastery(storage: Storage, bank: Bank, placement: Placement, **params: float) -> MasteryResult:
    history = load_history(storage, bank)
    return compute_mastery(placement, bank, history.observations, NOW, MasteryParams(**params))  # type: ignore[arg-type]


def items_on(bank: Bank, topic: str, difficulty: str) -> list[str]:
    return sorted(q.id for q in bank if topic in q.topics and q.difficulty.value == difficulty)


def test_more_good_evidence_raises_the_mean_and_narrows_the_interval(storage: Storage, bank: Bank,
                                                                     tags_only: Placement) -> None:
    record_answer(storage, bank, MEDIUM_ITEM, 0.9, NOW - timedelta(days=1))
    once = mastery(storage, bank, tags_only)
    for days in (2, 3, 4):
        record_answer(storage, bank, MEDIUM_ITEM, 0.9, NOW - timedelta(days=days))
    four = mastery(storage, bank, tags_only)
    index = once.index(TOPIC)
    assert four.mean[index] > once.mean[index] > 0.5
    assert four.upper[index] - four.lower[index] < once.upper[index] - once.lower[index]
    assert four.evidence_count[index] == 4
    assert 0 <= four.lower[index] < four.mean[index] < four.upper[index] <= 1


def test_poor_answers_make_a_topic_weak_and_good_ones_strong(storage: Storage, bank: Bank, tags_only: Placement) -> None:
    for days in range(4):
        record_answer(storage, bank, MEDIUM_ITEM, 0.1, NOW - timedelta(days=days))
    rows = {row.topic_id: row for row in topic_rows(mastery(storage, bank, tags_only), bank, tags_only,
                                                     load_history(storage, bank).observations)}
    assert rows[TOPIC].status == "weak"
    assert rows[TOPIC].upper < 0.6
    assert rows[TOPIC].evidence[0].item_id == MEDIUM_ITEM
    assert {point.point_id for point in rows[TOPIC].evidence[0].missed_points} == {p.id for p in bank.get(MEDIUM_ITEM).rubric}


def test_old_evidence_decays_toward_the_prior_and_widens_the_interval(tmp_path: Path, bank: Bank,
                                                                      tags_only: Placement) -> None:
    fresh, old = Storage(tmp_path / "fresh.db"), Storage(tmp_path / "old.db")
    for days in range(3):
        record_answer(fresh, bank, MEDIUM_ITEM, 0.95, NOW - timedelta(days=days))
        record_answer(old, bank, MEDIUM_ITEM, 0.95, NOW - timedelta(days=240 + days))
    recent, aged = mastery(fresh, bank, tags_only), mastery(old, bank, tags_only)
    index = recent.index(TOPIC)
    assert aged.upper[index] - aged.lower[index] > recent.upper[index] - recent.lower[index]
    assert aged.mean[index] < recent.mean[index]
    assert aged.effective[index] == pytest.approx(recent.effective[index] / 16, rel=0.05)  # four half-lives
    # a shorter half-life forgets faster
    assert mastery(old, bank, tags_only, half_life_days=30).effective[index] < aged.effective[index]


def test_a_hard_item_answered_well_counts_more_and_an_easy_one_missed_counts_more_against(
        tmp_path: Path, bank: Bank, tags_only: Placement) -> None:
    topic = "m3.memory-coalescing-and-bank-conflicts"
    easy, hard = items_on(bank, topic, "easy")[0], items_on(bank, topic, "hard")[0]
    results = {}
    for name, item, score in (("easy-good", easy, 0.9), ("hard-good", hard, 0.9),
                              ("easy-bad", easy, 0.1), ("hard-bad", hard, 0.1)):
        store = Storage(tmp_path / f"{name}.db")
        record_answer(store, bank, item, score, NOW - timedelta(days=1))
        # a second, neutral answer elsewhere so the learner's prior is the same in every case
        record_answer(store, bank, "behav.why-this-role", 0.5, NOW - timedelta(days=1))
        result = mastery(store, bank, tags_only, credit_rounds=0)
        results[name] = (result.mean[result.index(topic)], result.prior_mean)
    assert results["hard-good"][0] > results["easy-good"][0]
    assert results["easy-bad"][0] < results["hard-bad"][0]


def test_hints_reduce_credit(tmp_path: Path, bank: Bank, tags_only: Placement) -> None:
    plain, hinted = Storage(tmp_path / "plain.db"), Storage(tmp_path / "hinted.db")
    record_answer(plain, bank, MEDIUM_ITEM, 0.9, NOW)
    record_answer(hinted, bank, MEDIUM_ITEM, 0.9, NOW, hints_used=2)
    with_hints, without = mastery(hinted, bank, tags_only), mastery(plain, bank, tags_only)
    index = without.index(TOPIC)
    assert with_hints.mean[index] < without.mean[index]
    assert load_history(hinted, bank).observations[0].point_outcomes[bank.get(MEDIUM_ITEM).rubric[0].id] < 0.9


def test_untested_topics_are_not_tested_never_weak(storage: Storage, bank: Bank, tags_only: Placement) -> None:
    for days in range(5):
        record_answer(storage, bank, MEDIUM_ITEM, 0.0, NOW - timedelta(days=days))
    result = mastery(storage, bank, tags_only)
    observations = load_history(storage, bank).observations
    rows = topic_rows(result, bank, tags_only, observations)
    touched = set(bank.get(MEDIUM_ITEM).topics)
    assert {row.topic_id for row in rows if row.status != "not_tested"} == touched
    assert all(row.status == "not_tested" and row.evidence_count == 0 for row in rows if row.topic_id not in touched)
    modules = {row.module_id: row for row in module_rows(rows, bank, result.params)}
    assert modules["m2"].status == "weak" and modules["m2"].topics_tested == len(touched)
    assert modules["m7"].status == "not_tested" and modules["m7"].mean is None


def test_explaining_away_blames_the_topic_that_is_weak_elsewhere(storage: Storage, bank: Bank,
                                                                 tags_only: Placement) -> None:
    """Two items share a topic; the learner fails both. Their other topics are answered well elsewhere, so the shared
    one should end up the lowest, lower than without credit assignment."""
    shared = "m2.kv-cache-block-allocation-and-deallocation"
    failing = [q.id for q in bank if shared in q.topics and q.category.value != "behavioral"][:2]
    for item in failing:
        record_answer(storage, bank, item, 0.15, NOW - timedelta(days=2))
    others = {topic for item in failing for topic in bank.get(item).topics} - {shared}
    for question in bank:
        if shared not in question.topics and others & set(question.topics):
            record_answer(storage, bank, question.id, 0.9, NOW - timedelta(days=1))
    with_credit = mastery(storage, bank, tags_only)
    without = mastery(storage, bank, tags_only, credit_rounds=0)
    index = with_credit.index(shared)
    tested = [i for i in range(len(with_credit.topic_ids)) if with_credit.evidence_count[i] > 0]
    assert min(tested, key=lambda i: with_credit.mean[i]) == index
    assert with_credit.mean[index] <= without.mean[index]

"""Recommendations through build_report (tag-only placement keeps these fast): ranking, role weights, next actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from gap_engine.models import GapReport, Recommendation
from gap_engine.recommend import expected_shortfall, practice_difficulty
from gap_engine.report import build_report
from gap_engine.roles import PRESETS, RoleError, resolve_role
from question_bank.loader import Bank
from question_bank.models import Difficulty
from tests.synthetic_learners import record_answer, record_judge
from tutor.config import Settings, load_settings
from tutor.storage import Storage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
M2_ITEM = "core.memory-fragmentation"  # tagged on m2 topics only
M3_ITEM = "arch.register-spilling"  # tagged on m3 topics only
COALESCING = "m3.memory-coalescing-and-bank-conflicts"


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(tmp_path / "tutor.db")


def report(storage: Storage, bank: Bank, role: str = "llm_inference_engineer", **settings: object) -> GapReport:
    chosen = Settings(data_dir=storage.path.parent, **settings)  # type: ignore[arg-type]
    return build_report(storage, bank, role=role, now=NOW, settings=chosen, use_embeddings=False)


def modules_ranked(result: GapReport) -> list[str]:
    return [rec.module_id for rec in result.recommendations if rec.scope == "module"]


def topic_recs(result: GapReport) -> list[Recommendation]:
    return [rec for rec in result.recommendations if rec.scope == "topic"]


def same_evidence_on_m2_and_m3(storage: Storage, bank: Bank) -> None:
    assert all(t.startswith("m2.") for t in bank.get(M2_ITEM).topics)
    assert all(t.startswith("m3.") for t in bank.get(M3_ITEM).topics)
    for days in (1, 2):
        record_answer(storage, bank, M2_ITEM, 0.2, NOW - timedelta(days=days))
        record_answer(storage, bank, M3_ITEM, 0.2, NOW - timedelta(days=days))


def test_expected_shortfall_grows_with_the_gap_and_vanishes_at_target() -> None:
    alpha, beta = np.array([2.0, 8.0, 40.0, 95.0]), np.array([8.0, 2.0, 10.0, 5.0])
    shortfall = expected_shortfall(alpha, beta, 0.85)
    assert shortfall[0] > shortfall[2] > shortfall[3]
    assert shortfall[3] < 0.01
    assert shortfall[0] == pytest.approx(0.85 - 0.2, abs=0.01)  # far below target: about target - mean


def test_role_weights_decide_between_equal_gaps(storage: Storage, bank: Bank) -> None:
    same_evidence_on_m2_and_m3(storage, bank)
    assert modules_ranked(report(storage, bank, "cuda_kernel_engineer"))[0] == "m3"
    llm = report(storage, bank, "llm_inference_engineer")
    assert modules_ranked(llm)[0] == "m2"
    first = llm.recommendations[0]
    assert first.role_weight == PRESETS["llm_inference_engineer"].weight("m2") == 1.0
    assert [rec.rank for rec in llm.recommendations if rec.scope == "module"] == [1, 2]


def test_config_roles_override_a_preset(storage: Storage, bank: Bank) -> None:
    same_evidence_on_m2_and_m3(storage, bank)
    flipped = report(storage, bank, "llm_inference_engineer", roles={"llm_inference_engineer": {"m3": 1.0, "m2": 0.2}})
    assert modules_ranked(flipped)[0] == "m3"
    custom = report(storage, bank, "kernel_researcher", roles={"kernel_researcher": {"title": "Kernel researcher",
                                                                                    "m2": 0.9, "m3": 0.1}})
    assert custom.role_title == "Kernel researcher" and modules_ranked(custom)[0] == "m2"


def test_roles_are_read_from_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text('target_role = "cuda_kernel_engineer"\n\n'
                                          "[roles.cuda_kernel_engineer]\nm6 = 1.0\n", encoding="utf-8")
    settings, sources = load_settings()
    role = resolve_role(settings.target_role, settings.roles)
    assert role.weight("m6") == 1.0 and role.weight("m3") == 1.0 and sources["roles"].endswith("config.toml")


@pytest.mark.parametrize(("roles", "message"), [
    ({"cuda_kernel_engineer": {"m10": 0.5}}, "roles.cuda_kernel_engineer.m10: not a module id"),
    ({"cuda_kernel_engineer": {"m3": 1.5}}, "roles.cuda_kernel_engineer.m3: must be a number from 0 to 1"),
])
def test_bad_role_config_names_the_field(roles: dict[str, dict[str, float]], message: str) -> None:
    with pytest.raises(RoleError, match=message):
        resolve_role("cuda_kernel_engineer", roles)


def test_an_unknown_role_lists_the_known_ones() -> None:
    with pytest.raises(RoleError, match=r"unknown target role 'astronaut'.*cuda_kernel_engineer"):
        resolve_role("astronaut")


def test_topic_ranking_why_and_retry_name_the_answers_and_missed_points(storage: Storage, bank: Bank) -> None:
    record_answer(storage, bank, M2_ITEM, [0.0, 0.1, 0.9, 0.9], NOW - timedelta(days=2))
    record_answer(storage, bank, "core.paged-attention", 0.95, NOW - timedelta(days=1))
    result = report(storage, bank)
    topics = topic_recs(result)
    assert topics, "a badly answered item yields topic recommendations"
    assert [rec.expected_gain for rec in topics] == sorted((rec.expected_gain for rec in topics), reverse=True)
    worst = topics[0]
    assert worst.topic_id in bank.get(M2_ITEM).topics
    missed_text = bank.get(M2_ITEM).rubric[0].text
    assert M2_ITEM in worst.why and missed_text[:40] in worst.why
    assert any(point.text == missed_text for ref in worst.evidence for point in ref.missed_points)
    retries = [action for action in worst.actions if action.kind == "retry"]
    assert retries and retries[0].target == M2_ITEM
    assert any(action.kind == "study" and action.target == worst.topic_id for action in worst.actions)
    assert any(action.kind == "study" and action.target.startswith("ex2.") for action in worst.actions)
    recommended = {rec.topic_id for rec in topics}
    untested = {topic.topic_id for topic in result.topics if topic.status == "not_tested"}
    assert not recommended & untested


def test_practice_is_one_step_harder_than_the_hardest_solved_and_not_yet_solved(storage: Storage, bank: Bank) -> None:
    failing = [q.id for q in bank if COALESCING in q.topics and q.cuda is None][:2]
    for item in failing:
        record_answer(storage, bank, item, 0.1, NOW - timedelta(days=1))
    assert practice_difficulty([], bank) == Difficulty.EASY
    first = report(storage, bank)
    practice = [a for rec in topic_recs(first) if rec.topic_id == COALESCING for a in rec.actions if a.kind == "practice"]
    assert practice and bank.get(practice[0].target).difficulty == Difficulty.EASY
    record_judge(storage, "cuda.vector-add", "passed", NOW - timedelta(hours=5), over_naive=2.0, over_optimized=0.7)
    stepped = report(storage, bank)
    practice = [a for rec in topic_recs(stepped) if rec.topic_id == COALESCING for a in rec.actions if a.kind == "practice"]
    assert practice
    target = bank.get(practice[0].target)
    assert target.difficulty == Difficulty.MEDIUM and COALESCING in target.topics and target.id != "cuda.vector-add"
    record_judge(storage, "cuda.hgemm-tensor-core", "passed", NOW - timedelta(hours=4))
    hardest = report(storage, bank)
    practice = [a for rec in topic_recs(hardest) if rec.topic_id == COALESCING for a in rec.actions if a.kind == "practice"]
    assert practice and bank.get(practice[0].target).difficulty == Difficulty.HARD
    assert practice[0].target != "cuda.hgemm-tensor-core"

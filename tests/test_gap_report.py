"""build_report end to end: a synthetic learner's history in a real Storage, the real embedder, the published schema."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gap_engine.models import GapReport
from gap_engine.placement import place_bank
from gap_engine.report import build_report
from gap_engine.roles import RoleError
from question_bank.loader import Bank
from tests.synthetic_learners import gap_embedder, make_learner, record_judge, simulate
from tutor.config import Settings
from tutor.records import SelfRating, Session, SessionStatus
from tutor.storage import Storage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def learner_report(bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> tuple[GapReport, Storage, list[str]]:
    storage = Storage(tmp_path_factory.mktemp("report") / "tutor.db")
    rng = random.Random(11)
    learner = make_learner(0, bank, 40, rng)
    simulate(learner, bank, place_bank(bank, gap_embedder()), storage, NOW, rng)
    record_judge(storage, "cuda.vector-add", "passed", NOW - timedelta(days=3), over_naive=1.5, over_optimized=0.8)
    record_judge(storage, "cuda.softmax", "wrong_answer", NOW - timedelta(days=2))
    storage.save_self_rating(SelfRating(component="CUDA Kernels", rating=5, target=5))
    settings = Settings(data_dir=storage.path.parent, target_role="cuda_kernel_engineer")
    report = build_report(storage, bank, now=NOW, embedder=gap_embedder(), settings=settings)
    return report, storage, learner.weak_topics


def test_the_report_is_complete_and_round_trips_through_its_json_schema(learner_report: tuple[GapReport, Storage,
                                                                                               list[str]]) -> None:
    report, _, _ = learner_report
    assert report.role == "cuda_kernel_engineer" and report.role_title == "CUDA kernel engineer"
    assert len(report.modules) == 9 and len(report.topics) == 115
    assert report.learner.answers_scored == 40 and report.learner.judge_runs == 2
    assert report.recommendations and report.recommendations[0].scope == "module"
    assert report.reviews_due, "badly answered questions from weeks ago are due"
    assert 0 <= report.readiness.interval[0] <= report.readiness.projected_150 <= report.readiness.interval[1] <= 150
    assert report.progress.answers_submitted == 40
    assert any(row.component == "CUDA Kernels" and row.rating == 5 for row in report.self_assessment)
    assert report.notes == []
    assert GapReport.model_validate_json(report.model_dump_json()) == report
    assert "GapReport" in str(GapReport.model_json_schema().get("title"))


def test_weak_topics_found_and_untested_never_weak(learner_report: tuple[GapReport, Storage, list[str]]) -> None:
    report, _, truly_weak = learner_report
    weakest = [topic.topic_id for topic in report.weakest_topics(3)]
    assert len(set(weakest) & set(truly_weak)) >= 2
    for topic in report.topics:
        assert (topic.status == "not_tested") == (topic.evidence_count == 0)
    judged = {t.topic_id: t for t in report.topics if any(ref.kind == "judge" for ref in t.evidence)}
    assert judged, "judge runs appear as evidence on the problems' topics"


def test_the_default_role_comes_from_settings_and_an_unknown_one_is_an_error(bank: Bank, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "tutor.db")
    assert build_report(storage, bank, now=NOW, use_embeddings=False).role == "llm_inference_engineer"
    with pytest.raises(RoleError, match="unknown target role 'chef'"):
        build_report(storage, bank, role="chef", now=NOW, use_embeddings=False)


def test_an_empty_history_reports_nothing_tested(bank: Bank, tmp_path: Path) -> None:
    report = build_report(Storage(tmp_path / "tutor.db"), bank, now=NOW, use_embeddings=False)
    assert all(topic.status == "not_tested" for topic in report.topics)
    assert all(module.status == "not_tested" for module in report.modules)
    assert report.recommendations == [] and report.reviews_due == []
    assert report.readiness.ready_scale == "Not Yet" and report.readiness.coverage == 0


def test_mock_interviews_feed_the_readiness_average(bank: Bank, tmp_path: Path) -> None:
    from tests.synthetic_learners import record_answer

    storage = Storage(tmp_path / "tutor.db")
    for number, score in enumerate((0.5, 0.7, 0.9)):
        when = NOW - timedelta(days=10 - number)
        session = storage.save_session(Session(id=f"mock-{number}", kind="interview", format="deep_dive",
                                               started_at=when))
        record_answer(storage, bank, "core.paged-attention", score, when, session_id=session.id)
        storage.save_session(session.model_copy(update={"status": SessionStatus.FINISHED, "finished_at": when}))
    readiness = build_report(storage, bank, now=NOW, use_embeddings=False).readiness
    assert readiness.mock_count == 3
    assert readiness.mock_average == pytest.approx(7.0, abs=0.05)
    assert readiness.trend is not None and readiness.trend > 1.5

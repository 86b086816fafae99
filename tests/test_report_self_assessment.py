"""The self-assessment matrix: components and targets from 003_*, storage, and verdicts against measured mastery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gap_engine.models import EvidenceRef, TopicMastery
from gap_engine.self_assessment import COMPONENTS, UnknownComponent, compare, component_named, self_assessment, set_rating
from question_bank.loader import Bank
from tutor.cli import main
from tutor.records import SelfRating
from tutor.storage import Storage

WHEN = datetime(2026, 11, 20, tzinfo=UTC)


def _topic(topic_id: str, mean: float, lower: float, upper: float, evidence: int = 3,
           judge: list[tuple[int, float]] | None = None) -> TopicMastery:
    references = [EvidenceRef(kind="judge", item_id="cuda.vector-add", judge_run_id=run_id, score=score, weight=1.0,
                              difficulty="easy", when=WHEN) for run_id, score in judge or []]
    return TopicMastery(topic_id=topic_id, title=topic_id, module_id=topic_id.split(".")[0], mean=mean, lower=lower,
                        upper=upper, evidence_count=evidence, effective_evidence=float(evidence),
                        status="not_tested" if evidence == 0 else "weak" if mean < 0.4 else "strong", evidence=references)


def test_the_ten_components_and_targets_of_the_tracker(bank: Bank) -> None:
    assert [(c.name, c.target) for c in COMPONENTS] == [
        ("PagedAttention", 5), ("CUDA Kernels", 5), ("Scheduler", 4), ("Block Manager", 5), ("Model Executor", 4),
        ("Quantization", 4), ("Distributed", 4), ("System Design", 5), ("Profiling", 4), ("C++ Mastery", 4)]
    known = bank.taxonomy.topic_ids()
    for component in COMPONENTS:
        assert set(component.topics) <= known, f"{component.name}: unknown topics {set(component.topics) - known}"
        assert component.topics or component.judge_only
    every = [topic for component in COMPONENTS for topic in component.topics]
    assert len(every) == len(set(every)), "a topic measures two components"


def test_verdicts_over_under_aligned_untested() -> None:
    topics = [_topic("m3.fused-kernels", 0.2, 0.1, 0.3),  # CUDA Kernels measures 1.8 (1.4-2.2)
              _topic("m2.pagedattention-virtual-vs-physical-blocks", 0.9, 0.8, 0.95),  # PagedAttention 4.6 (4.2-4.8)
              _topic("m6.gptq-algorithm", 0.5, 0.3, 0.7),  # Quantization 3.0 (2.2-3.8)
              _topic("m5.nccl-collective-operations", 0.5, 0.5, 0.5, evidence=0)]  # Distributed: untested
    ratings = [SelfRating(component=name, rating=rating, target=4) for name, rating in
               (("CUDA Kernels", 5), ("PagedAttention", 2), ("Quantization", 3), ("Distributed", 3))]
    rows = {row.component: row for row in compare(ratings, topics)}
    assert rows["CUDA Kernels"].verdict == "over" and rows["CUDA Kernels"].gap == pytest.approx(3.2)
    assert rows["CUDA Kernels"].measured_interval == (1.4, 2.2)
    assert rows["PagedAttention"].verdict == "under" and rows["PagedAttention"].gap == pytest.approx(-2.6)
    assert rows["Quantization"].verdict == "aligned" and rows["Quantization"].gap == pytest.approx(0.0)
    assert rows["Distributed"].verdict == "untested" and rows["Distributed"].measured is None
    assert rows["Scheduler"].verdict == "untested" and rows["Scheduler"].rating is None and rows["Scheduler"].target == 4
    assert "over-confident by 3.2" in rows["CUDA Kernels"].note


def test_a_rating_inside_the_interval_is_aligned_even_a_point_away() -> None:
    wide = [_topic("m6.gptq-algorithm", 0.5, 0.2, 0.85)]  # 3.0 (1.8-4.4)
    row = {r.component: r for r in compare([SelfRating(component="Quantization", rating=4, target=4)], wide)}["Quantization"]
    assert row.verdict == "aligned" and row.gap == pytest.approx(1.0)


def test_measured_without_rating_is_untested_but_shows_the_measure() -> None:
    row = compare([], [_topic("m6.gptq-algorithm", 0.75, 0.6, 0.9)])[5]
    assert row.component == "Quantization" and row.verdict == "untested" and row.measured == pytest.approx(4.0)
    assert "tutor self-assess set" in row.note


def test_cpp_mastery_is_measured_from_distinct_judge_runs() -> None:
    topics = [_topic("m3.fused-kernels", 0.5, 0.4, 0.6, judge=[(1, 1.0), (2, 1.0), (3, 0.0)]),
              _topic("m3.cuda-thread-hierarchy", 0.5, 0.4, 0.6, judge=[(1, 1.0)])]  # run 1 again: counted once
    row = compare([SelfRating(component="C++ Mastery", rating=5, target=4)], topics)[-1]
    # Beta(1 + 2, 1 + 1): mean 0.6 -> 3.4 on the 1-5 scale.
    assert row.component == "C++ Mastery" and row.measured == pytest.approx(3.4)
    assert row.verdict in ("over", "aligned")
    lower, upper = row.measured_interval or (0, 0)
    assert lower < 3.4 < upper
    assert compare([], [_topic("m3.fused-kernels", 0.5, 0.4, 0.6)])[-1].verdict == "untested"


def test_ratings_are_stored_and_validated(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "tutor.db")
    set_rating(storage, "cuda kernels", 3)
    assert storage.self_ratings() == [SelfRating(component="CUDA Kernels", rating=3, target=5,
                                                 updated_at=storage.self_ratings()[0].updated_at)]
    set_rating(storage, "CUDA-Kernels", 4, target=4)
    set_rating(storage, "CUDA Kernels", 5)  # the target set before is kept
    assert [(r.component, r.rating, r.target) for r in storage.self_ratings()] == [("CUDA Kernels", 5, 4)]
    with pytest.raises(ValueError, match="rating for 'CUDA Kernels' must be 1 to 5, not 6"):
        set_rating(storage, "CUDA Kernels", 6)
    with pytest.raises(UnknownComponent, match="'C\\+\\+ Mastery'"):
        component_named("Rust Mastery")
    rows = self_assessment(storage, [])
    assert rows[1].rating == 5 and rows[1].verdict == "untested"


def test_self_assess_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["self-assess", "set", "C++ Mastery", "2", "--target", "5"]) == 0
    assert "C++ Mastery: 2/5 (target 5)." in capsys.readouterr().out
    assert main(["self-assess", "set", "Kernels", "2"]) == 1
    assert "no self-assessment component 'Kernels'" in capsys.readouterr().err
    assert main(["self-assess", "set", "Profiling", "0"]) == 1
    assert "must be 1 to 5" in capsys.readouterr().err
    assert main(["self-assess", "show"]) == 0
    shown = capsys.readouterr().out
    assert "C++ Mastery" in shown and "2/5" in shown and "Overall average: 2.0/5 over 1 rated" in shown

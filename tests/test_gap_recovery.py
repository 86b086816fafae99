"""Synthetic learners: the engine must find the weak topics of people whose true mastery is known.

50 simulated learners, 30 answers each, three clearly weak topics each (see tests/synthetic_learners.py for the
generative model). Acceptance of issue 6: for >= 80% of them the report's three weakest topics hold >= 2 of the true
three, and no topic without evidence is ever reported weak. benchmarks/gap_recovery.py prints the full table.
"""

from __future__ import annotations

from pathlib import Path

from question_bank.loader import Bank
from tests.synthetic_learners import gap_embedder, run_recovery


def test_weak_topics_are_recovered_for_most_learners(bank: Bank, tmp_path: Path) -> None:
    recovery = run_recovery(bank, gap_embedder(), tmp_path, learners=50, answers=30)
    assert recovery.untested_reported_weak == 0
    assert recovery.hit_rate >= 0.8, f"hit rate {recovery.hit_rate:.0%}, overlaps {recovery.overlaps}"
    assert recovery.mean_overlap >= 2.0


def test_with_more_answers_recovery_does_not_get_worse(bank: Bank, tmp_path: Path) -> None:
    few = run_recovery(bank, gap_embedder(), tmp_path / "few", learners=20, answers=15, seed=7000)
    many = run_recovery(bank, gap_embedder(), tmp_path / "many", learners=20, answers=60, seed=7000)
    assert many.mean_overlap >= few.mean_overlap
    assert few.untested_reported_weak == many.untested_reported_weak == 0

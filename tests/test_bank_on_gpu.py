"""On a GPU: every problem's naive and optimized solutions pass the judge on every test size and the benchmark size
(outputs poisoned, guard regions checked, inputs unchanged, three fresh seeds per size)."""

from __future__ import annotations

import pytest

from question_bank.loader import Bank, load_bank
from tutor.judge import JudgeWorker, judge

PROBLEMS = sorted(q.id for q in load_bank() if q.cuda is not None)


@pytest.mark.gpu
@pytest.mark.parametrize("variant", ["naive", "optimized"])
@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_bank_solution_passes_the_judge(problem_id: str, variant: str, worker: JudgeWorker, bank: Bank) -> None:
    folder = bank.problem_dir(problem_id)
    report = judge(bank.get(problem_id), folder, (folder / f"{variant}.cu").read_text(), "check",
                   cache_dir=worker.cache_dir, worker=worker)
    assert report.passed, report.summary

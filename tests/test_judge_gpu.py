"""The judge on a real GPU: faulty answers get the right verdict and the worker survives every one of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from question_bank.loader import Bank
from tutor.judge import JudgeWorker, Verdict, judge

FAULTY = Path(__file__).parent / "judge_faulty"
PROBLEM = "cuda.vector-add"

# file -> the verdict it must get (with --sanitize for the race; --bench for the slow answer)
EXPECTED: dict[str, Verdict | set[Verdict]] = {
    "compile_error.cu": Verdict.COMPILE_ERROR,
    "uses_cublas.cu": Verdict.REFUSED,
    "wrong_result.cu": Verdict.WRONG_ANSWER,
    "wrong_tail.cu": Verdict.WRONG_ANSWER,
    "write_past_end.cu": Verdict.OUT_OF_BOUNDS,
    # A race may or may not corrupt the result on a given run; racecheck must find it either way.
    "race_no_syncthreads.cu": {Verdict.WRONG_ANSWER, Verdict.SANITIZER_ERROR},
    "infinite_loop.cu": Verdict.TIMEOUT,
    "illegal_address.cu": Verdict.CRASHED,
    "nan_output.cu": Verdict.WRONG_ANSWER,
    "output_unwritten.cu": Verdict.WRONG_ANSWER,
    "input_overwritten.cu": Verdict.INPUT_MODIFIED,
    "side_stream.cu": Verdict.UNSYNCHRONIZED,
    "too_many_threads.cu": Verdict.LAUNCH_ERROR,
    "cached_output.cu": Verdict.WRONG_ANSWER,
    # printf from 16M threads makes the kernel slow enough to time out; either way its output stays bounded.
    "printf_flood.cu": {Verdict.PASSED, Verdict.TIMEOUT},
    "slow_but_correct.cu": Verdict.PASSED,
}


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(EXPECTED))
def test_faulty_answer_gets_its_verdict_and_the_worker_survives(name: str, worker: JudgeWorker, bank: Bank) -> None:
    problem, folder = bank.get(PROBLEM), bank.problem_dir(PROBLEM)
    source = (FAULTY / name).read_text()
    report = judge(problem, folder, source, "all" if name == "slow_but_correct.cu" else "check",
                   cache_dir=worker.cache_dir, worker=worker, sanitize=name == "race_no_syncthreads.cu",
                   check_timeout_s=15)
    expected = EXPECTED[name]
    assert report.verdict in (expected if isinstance(expected, set) else {expected}), report.summary
    assert report.summary
    if name == "wrong_tail.cu":
        failing = next(c for c in report.cases if not c.passed)
        assert any(v % 256 for v in failing.sizes.values()) and failing.first_mismatch_index is not None
    if name == "nan_output.cu":
        assert "NaN" in report.summary
    if name == "output_unwritten.cu":
        assert "never written" in report.summary
    if name == "race_no_syncthreads.cu":
        assert any(f.tool == "racecheck" and f.line in (8, 10) for f in report.sanitizer), report.sanitizer
    if name == "printf_flood.cu":
        assert "thread" in report.stdout_excerpt and len(report.stdout_excerpt) < 5000
    if name == "slow_but_correct.cu":
        assert report.timing is not None and report.timing.speedup_over_naive is not None
        assert report.timing.speedup_over_naive < 0.5, report.summary
    # The next answer is judged normally whatever the last one did.
    healthy = judge(problem, folder, (folder / "naive.cu").read_text(), "check", cache_dir=worker.cache_dir,
                    worker=worker)
    assert healthy.verdict == Verdict.PASSED, healthy.summary


@pytest.mark.gpu
def test_memcheck_maps_an_out_of_bounds_write_to_its_line(worker: JudgeWorker, bank: Bank) -> None:
    problem, folder = bank.get(PROBLEM), bank.problem_dir(PROBLEM)
    report = judge(problem, folder, (FAULTY / "write_past_end.cu").read_text(), "check", cache_dir=worker.cache_dir,
                   worker=worker, sanitize=True)
    assert report.verdict == Verdict.OUT_OF_BOUNDS
    assert any(f.tool == "memcheck" and f.line == 6 for f in report.sanitizer), report.sanitizer


@pytest.mark.gpu
def test_bench_reports_the_bank_solutions_and_torch(worker: JudgeWorker, bank: Bank) -> None:
    problem, folder = bank.get(PROBLEM), bank.problem_dir(PROBLEM)
    report = judge(problem, folder, (folder / "optimized.cu").read_text(), "all", cache_dir=worker.cache_dir,
                   worker=worker)
    assert report.passed and report.timing is not None
    labels = [entry.label for entry in report.timing.entries]
    assert labels == ["your answer", "naive", "optimized", "torch"]
    for entry in report.timing.entries:
        assert entry.p10_ms <= entry.median_ms <= entry.p90_ms
        assert entry.rate_unit == "GB/s" and entry.percent_of_peak is not None
    assert worker.peaks is not None and worker.peaks.dram_bandwidth_gbs > 100


@pytest.mark.gpu
def test_a_running_judgement_can_be_cancelled(worker: JudgeWorker, bank: Bank) -> None:
    import threading
    import time

    from tutor.judge.compile import compile_answer

    problem, folder = bank.get(PROBLEM), bank.problem_dir(PROBLEM)
    source = (FAULTY / "infinite_loop.cu").read_text()
    worker.start()
    compile_answer(source, worker.arch or "sm_90", worker.cache_dir / "builds", [])  # so the cancel lands mid-run
    threading.Timer(3.0, worker.cancel).start()
    began = time.monotonic()
    report = judge(problem, folder, source, "check", cache_dir=worker.cache_dir, worker=worker, check_timeout_s=60)
    assert report.verdict == Verdict.CANCELLED and time.monotonic() - began < 15
    healthy = judge(problem, folder, (folder / "naive.cu").read_text(), "check", cache_dir=worker.cache_dir,
                    worker=worker)
    assert healthy.passed

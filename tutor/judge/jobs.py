"""The jobs the worker process runs (check, bench), in the worker's own CUDA context."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from question_bank.models import CudaSpec
from question_bank.problem_io import scalar_values
from tutor.judge.models import CaseResult, DevicePeaks, Timing, TimingStats
from tutor.judge.runner import ProblemRun, Runtime, Solution, StickyCudaError, peak_for

__all__ = ["StickyCudaError", "device_peaks", "handle", "start_runtime"]


def start_runtime() -> Runtime:
    return Runtime()


def device_peaks(runtime: Runtime, cache_dir: Path) -> DevicePeaks:
    """Measured once per device and kept: DRAM bandwidth and GEMM rates the judge's percentages are relative to."""
    path = cache_dir / f"peaks-{re.sub(r'[^A-Za-z0-9]+', '-', runtime.name)}.json"
    if path.is_file():
        return DevicePeaks.model_validate_json(path.read_text())
    peaks = runtime.measure_peaks()
    path.write_text(peaks.model_dump_json(indent=1))
    return peaks


def handle(runtime: Runtime, peaks: DevicePeaks, job: dict[str, Any]) -> dict[str, Any]:
    spec = CudaSpec.model_validate(job["spec"])
    problem = ProblemRun(runtime, spec, Path(job["problem_dir"]))
    if job["kind"] == "check":
        return _check(problem, Solution(Path(job["library"]), spec), job)
    if job["kind"] == "bench":
        return _bench(runtime, peaks, problem, job)
    raise ValueError(f"unknown job kind {job['kind']!r}")


def _check(problem: ProblemRun, solution: Solution, job: dict[str, Any]) -> dict[str, Any]:
    results: list[CaseResult] = []
    for sizes, seed in problem.cases(job["seeds_per_size"], job["first_seed"]):
        result = problem.check(solution, sizes, seed)
        results.append(result)
        if not result.passed:
            break
    unsynchronized = None
    if all(r.passed for r in results):
        unsynchronized = problem.unsynchronized_work(solution, problem.spec.benchmark_size, job["first_seed"])
    return {"cases": [r.model_dump() for r in results], "unsynchronized": unsynchronized}


def _bench(runtime: Runtime, peaks: DevicePeaks, problem: ProblemRun, job: dict[str, Any]) -> dict[str, Any]:
    sizes = problem.spec.benchmark_size
    peak = peak_for(problem.spec, peaks)
    entries: list[TimingStats] = []
    for label, library in job["libraries"].items():
        solution = Solution(Path(library), problem.spec)
        pointers, _, keep = problem.timing_buffers(sizes, job["seed"])
        entries.append(problem.time_call(label, lambda s=solution, p=pointers: s.call(p, sizes), sizes,
                                         job["budget_s"], peak))
        del keep
    if job.get("torch", True):
        inputs = problem.device_inputs(sizes, job["seed"])
        arguments = {**inputs, **sizes, **scalar_values(problem.spec)}
        reference = problem.module.reference
        entries.append(problem.time_call("torch", lambda: reference(**arguments), sizes, job["budget_s"], peak))
    runtime.torch.cuda.empty_cache()
    timing = Timing(sizes=sizes, device=runtime.name, peak_description=peak[1], entries=entries,
                    l2_flush_bytes=runtime.flush_bytes)
    return {"timing": timing.model_dump()}


"""``judge(problem, source, what)``: compile, check, time and sanitize one answer, and explain the result."""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Literal

from question_bank.models import Question
from tutor.judge.compile import compile_answer
from tutor.judge.launcher import with_launcher
from tutor.judge.models import CaseResult, JudgeReport, PhaseTimes, Timing, Verdict
from tutor.judge.sanitize import run_sanitizer
from tutor.judge.worker import JudgeWorker, WorkerFailure

What = Literal["check", "bench", "all"]
DEFAULT_ARCH = "sm_90"
SEEDS_PER_SIZE = 3
CHECK_TIMEOUT_S = 60.0
BENCH_BUDGET_S = 1.5  # per timed entry; stops earlier once the relative standard error is under 1%


@functools.cache
def gpu_arch() -> str | None:
    """The local GPU's arch (e.g. sm_90) from nvidia-smi, without creating a CUDA context; None without a GPU."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        result = subprocess.run([tool, "--query-gpu=compute_cap", "--format=csv,noheader"], capture_output=True,
                                text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.split()
    if result.returncode != 0 or not lines:
        return None
    return "sm_" + lines[0].replace(".", "")


def judge(problem: Question, problem_dir: Path, source: str, what: What = "check", *, cache_dir: Path,
          worker: JudgeWorker | None = None, sanitize: bool = False, first_seed: int | None = None,
          check_timeout_s: float = CHECK_TIMEOUT_S) -> JudgeReport:
    """Judge one answer. Without a GPU it compiles and reviews, and says that running needs one."""
    spec = problem.cuda
    if spec is None:
        raise ValueError(f"{problem.id} is not a CUDA coding problem")
    started = time.perf_counter()
    phases = PhaseTimes()
    source_hash = hashlib.sha256(source.encode()).hexdigest()
    arch = (worker.arch if worker is not None and worker.arch else None) or gpu_arch() or DEFAULT_ARCH
    compiled, library = compile_answer(with_launcher(source, spec), arch, cache_dir / "builds",
                                       list(spec.allowed_libraries))
    phases.compile_s = compiled.seconds
    report = JudgeReport(problem_id=problem.id, source_hash=source_hash, verdict=Verdict.PASSED, passed=False,
                         summary="", compile=compiled, phases=phases)
    if library is None:
        refused = any(d.severity == "error" for d in compiled.review)
        return _finish(report, Verdict.REFUSED if refused else Verdict.COMPILE_ERROR, started)
    if gpu_arch() is None and worker is None:
        return _finish(report, Verdict.NEEDS_GPU, started)
    worker = worker or JudgeWorker(cache_dir)
    seed = first_seed if first_seed is not None else int.from_bytes(hashlib.sha256(
        f"{source_hash}{time.time_ns()}".encode()).digest()[:4], "little")
    try:
        begin = time.perf_counter()
        worker.start()
        phases.worker_start_s = time.perf_counter() - begin
        report.device = worker.device
        begin = time.perf_counter()
        job = {"kind": "check", "spec": spec.model_dump(mode="json"), "problem_dir": str(problem_dir),
               "library": str(library), "seeds_per_size": SEEDS_PER_SIZE, "first_seed": seed}
        reply, output = worker.request(job, check_timeout_s)
        phases.check_s = time.perf_counter() - begin
        report.stdout_excerpt = output
        report.cases = [CaseResult.model_validate(case) for case in reply["cases"]]
        failure = next((case for case in report.cases if not case.passed), None)
        if failure is not None:
            return _finish(report, failure.verdict, started, sanitize_with=(library, problem_dir) if sanitize else None)
        if reply["unsynchronized"]:
            report.cases.append(CaseResult(sizes=spec.benchmark_size, seed=seed, passed=False,
                                           verdict=Verdict.UNSYNCHRONIZED, message=reply["unsynchronized"]))
            return _finish(report, Verdict.UNSYNCHRONIZED, started)
        if what in ("bench", "all"):
            begin = time.perf_counter()
            report.timing = _bench(problem, problem_dir, library, arch, cache_dir, worker, seed)
            phases.bench_s = time.perf_counter() - begin
    except WorkerFailure as failure:
        report.stdout_excerpt = failure.output
        verdict = {"timeout": Verdict.TIMEOUT, "cancelled": Verdict.CANCELLED}.get(failure.kind, Verdict.CRASHED)
        message = str(failure)
        if failure.output and verdict == Verdict.TIMEOUT:
            message += " Your kernels were printing when it stopped: printf from every thread is slow enough on its own."
        report.cases.append(CaseResult(sizes={}, seed=seed, passed=False, verdict=verdict, message=message))
        return _finish(report, verdict, started, sanitize_with=(library, problem_dir) if sanitize else None)
    return _finish(report, Verdict.PASSED, started, sanitize_with=(library, problem_dir) if sanitize else None)


def _bench(problem: Question, problem_dir: Path, library: Path, arch: str, cache_dir: Path, worker: JudgeWorker,
           seed: int) -> Timing:
    assert problem.cuda is not None
    libraries = {"your answer": str(library)}
    for name in ("naive", "optimized"):
        _built, path = compile_answer((problem_dir / f"{name}.cu").read_text(), arch, cache_dir / "builds",
                                     list(problem.cuda.allowed_libraries))
        if path is not None:
            libraries[name] = str(path)
    job = {"kind": "bench", "spec": problem.cuda.model_dump(mode="json"), "problem_dir": str(problem_dir),
           "libraries": libraries, "seed": seed, "budget_s": BENCH_BUDGET_S}
    reply, _ = worker.request(job, 120.0)
    timing = Timing.model_validate(reply["timing"])
    times = {entry.label: entry.median_ms for entry in timing.entries}
    mine = times["your answer"]
    timing.speedup_over_naive = times["naive"] / mine if "naive" in times else None
    timing.speedup_over_optimized = times["optimized"] / mine if "optimized" in times else None
    timing.speedup_over_torch = times["torch"] / mine if "torch" in times else None
    return timing


def _finish(report: JudgeReport, verdict: Verdict, started: float,
            sanitize_with: tuple[Path, Path] | None = None) -> JudgeReport:
    report.verdict = verdict
    report.passed = verdict == Verdict.PASSED
    if sanitize_with is not None and gpu_arch() is not None:
        begin = time.perf_counter()
        library, problem_dir = sanitize_with
        report.sanitizer = run_sanitizer(report, library, problem_dir)
        report.sanitizer_ran = True
        if report.passed and any(f.kind not in ("unavailable", "timeout") for f in report.sanitizer):
            report.verdict, report.passed = Verdict.SANITIZER_ERROR, False
        report.phases.sanitize_s = time.perf_counter() - begin
    report.phases.total_s = time.perf_counter() - started
    report.summary = summarize(report)
    return report


def summarize(report: JudgeReport) -> str:
    """One paragraph a person reads first."""
    compiled = report.compile
    warnings = [d for d in compiled.review + compiled.diagnostics if d.severity == "warning"]
    spills = [k for k in compiled.kernels if k.spill_stores_bytes or k.spill_loads_bytes]
    notes = []
    if spills:
        notes.append("register spills in " + ", ".join(k.kernel.split("(")[0] for k in spills))
    if warnings:
        notes.append(f"{len(warnings)} warning(s)")
    tail = f" Note: {'; '.join(notes)}." if notes else ""
    failure = next((case for case in report.cases if not case.passed), None)
    match report.verdict:
        case Verdict.REFUSED:
            reasons = "; ".join(f"line {d.line}: {d.message}" for d in compiled.review if d.severity == "error")
            return f"Refused before compiling: {reasons}."
        case Verdict.COMPILE_ERROR:
            first = next((d for d in compiled.diagnostics if d.severity == "error"), None)
            where = f" at line {first.line}" if first and first.line else ""
            return f"Does not compile{where}: {first.message.splitlines()[0] if first else 'nvcc failed'}."
        case Verdict.NEEDS_GPU:
            kernels = ", ".join(f"{k.kernel.split('(')[0]}: {k.registers} registers, {k.shared_memory_bytes} B shared"
                                for k in compiled.kernels)
            return (f"Compiles for {compiled.arch}" + (f" ({kernels})" if kernels else "") +
                    ". Running the tests and timing need an NVIDIA GPU with a driver; none was found." + tail)
        case Verdict.PASSED:
            checked = len(report.cases)
            text = f"Correct on all {checked} test cases (fresh random inputs, guard regions intact, inputs unchanged)."
            if report.timing is not None:
                text += " " + _timing_sentence(report.timing)
            if report.sanitizer_ran:
                text += f" compute-sanitizer: {len(report.sanitizer)} finding(s)." if report.sanitizer else \
                    " compute-sanitizer found nothing."
            return text + tail
    if report.verdict == Verdict.SANITIZER_ERROR:
        finding = report.sanitizer[0]
        where = f" at line {finding.line}" if finding.line else ""
        return (f"Correct on the tests, but compute-sanitizer {finding.tool} reports {len(report.sanitizer)} finding(s); "
                f"the first{where}: {finding.message.splitlines()[0]}.{tail}")
    assert failure is not None
    sizes = ", ".join(f"{k}={v}" for k, v in failure.sizes.items())
    at = f" (sizes {sizes}, seed {failure.seed})" if sizes else ""
    return f"{report.verdict.value.replace('_', ' ').capitalize()}{at}: {failure.message}{tail}"


def _timing_sentence(timing: Timing) -> str:
    mine = next(entry for entry in timing.entries if entry.label == "your answer")
    text = f"{mine.median_ms * 1e3:.1f} us median"
    if mine.rate is not None:
        text += f", {mine.rate:,.0f} {mine.rate_unit}"
    if mine.percent_of_peak is not None:
        text += f" ({mine.percent_of_peak:.0f}% of {timing.peak_description})"
    comparisons = []
    for label, value in (("naive", timing.speedup_over_naive), ("the optimized solution", timing.speedup_over_optimized),
                         ("torch", timing.speedup_over_torch)):
        if value is not None:
            comparisons.append(f"{value:.2f}x over {label}")
    return text + ("; speed-up " + ", ".join(comparisons) if comparisons else "") + "."

"""The judge's report: every shape it returns, as pydantic models."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel


class Verdict(StrEnum):
    PASSED = "passed"
    COMPILE_ERROR = "compile_error"
    REFUSED = "refused"  # uses a library or facility the problem does not allow
    WRONG_ANSWER = "wrong_answer"
    OUT_OF_BOUNDS = "out_of_bounds_write"  # a guard region around a buffer changed
    INPUT_MODIFIED = "input_modified"
    LAUNCH_ERROR = "launch_error"  # e.g. too many threads or too much shared memory per block
    CRASHED = "crashed"  # illegal address or another sticky CUDA error; the worker was replaced
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    UNSYNCHRONIZED = "unsynchronized_work"  # work still running after solve() returned on the default stream
    SANITIZER_ERROR = "sanitizer_error"  # compute-sanitizer found a memory error or a race
    NEEDS_GPU = "needs_gpu"
    INTERNAL_ERROR = "internal_error"


class Diagnostic(BaseModel):
    severity: Literal["error", "warning", "note"]
    message: str
    line: int | None = None  # in the candidate's own file
    column: int | None = None


class KernelResources(BaseModel):
    kernel: str
    registers: int
    spill_stores_bytes: int = 0
    spill_loads_bytes: int = 0
    shared_memory_bytes: int = 0
    stack_frame_bytes: int = 0
    constant_memory_bytes: int = 0


class CompileResult(BaseModel):
    ok: bool
    arch: str
    seconds: float
    cached: bool
    diagnostics: list[Diagnostic] = []
    kernels: list[KernelResources] = []
    review: list[Diagnostic] = []  # static review: refused libraries, side streams, missing bounds checks...


class CaseResult(BaseModel):
    sizes: dict[str, int]
    seed: int
    passed: bool
    verdict: Verdict
    message: str = ""
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    output: str | None = None  # the output the figures refer to
    first_mismatch_index: list[int] | None = None
    expected: float | None = None
    actual: float | None = None
    seconds: float = 0.0


class TimingStats(BaseModel):
    label: str  # "your kernel", "naive", "optimized", "torch"
    median_ms: float
    p10_ms: float
    p90_ms: float
    iterations: int
    relative_standard_error: float
    rate: float | None = None  # GB/s or TFLOP/s from the problem's work formula
    rate_unit: str | None = None
    percent_of_peak: float | None = None


class Timing(BaseModel):
    sizes: dict[str, int]
    device: str
    peak_description: str
    entries: list[TimingStats]
    speedup_over_naive: float | None = None
    speedup_over_torch: float | None = None
    speedup_over_optimized: float | None = None
    l2_flush_bytes: int


class SanitizerFinding(BaseModel):
    tool: Literal["memcheck", "racecheck", "synccheck", "initcheck"]
    kind: str
    message: str
    kernel: str | None = None
    line: int | None = None


class DevicePeaks(BaseModel):
    device: str
    compute_capability: str
    sm_count: int
    l2_bytes: int
    dram_bandwidth_gbs: float  # measured, device-to-device copy
    fp32_tflops: float  # measured FP32 GEMM without TF32
    fp16_tensor_tflops: float  # measured FP16 GEMM with FP32 accumulation
    bf16_tensor_tflops: float
    int8_tensor_tops: float
    measured_at: str


class PhaseTimes(BaseModel):
    compile_s: float = 0.0
    worker_start_s: float = 0.0
    check_s: float = 0.0
    bench_s: float = 0.0
    sanitize_s: float = 0.0
    total_s: float = 0.0


class JudgeReport(BaseModel):
    problem_id: str
    source_hash: str
    verdict: Verdict
    passed: bool
    summary: str
    compile: CompileResult
    cases: list[CaseResult] = []
    timing: Timing | None = None
    sanitizer: list[SanitizerFinding] = []
    sanitizer_ran: bool = False
    device: str | None = None
    stdout_excerpt: str = ""  # what the kernel printed (truncated)
    phases: PhaseTimes = PhaseTimes()

"""Without a GPU the judge still compiles, reports resources and says plainly that running needs a GPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from question_bank.loader import Bank
from tutor.judge import Verdict, gpu_arch, judge
from tutor.judge.compile import nvcc_path
from tutor.judge.sanitize import parse_findings

FAULTY = Path(__file__).parent / "judge_faulty"

needs_nvcc = pytest.mark.skipif(nvcc_path() is None, reason="nvcc (CUDA toolkit) is not installed")
no_gpu = pytest.mark.skipif(gpu_arch() is not None, reason="this machine has a GPU; the gpu tests cover it")


@needs_nvcc
@no_gpu
def test_a_correct_answer_compiles_and_the_report_says_a_gpu_is_needed(bank: Bank, tmp_path: Path) -> None:
    folder = bank.problem_dir("cuda.vector-add")
    report = judge(bank.get("cuda.vector-add"), folder, (folder / "optimized.cu").read_text(), cache_dir=tmp_path)
    assert report.verdict == Verdict.NEEDS_GPU and not report.passed
    assert "need an NVIDIA GPU" in report.summary and report.compile.kernels


@needs_nvcc
def test_compile_errors_and_refusals_need_no_gpu(bank: Bank, tmp_path: Path) -> None:
    folder = bank.problem_dir("cuda.vector-add")
    broken = judge(bank.get("cuda.vector-add"), folder, (FAULTY / "compile_error.cu").read_text(), cache_dir=tmp_path)
    assert broken.verdict == Verdict.COMPILE_ERROR and "line 4" in broken.summary  # nvcc reports the next line
    refused = judge(bank.get("cuda.vector-add"), folder, (FAULTY / "uses_cublas.cu").read_text(), cache_dir=tmp_path)
    assert refused.verdict == Verdict.REFUSED and "cuBLAS" in refused.summary


MEMCHECK = """========= COMPUTE-SANITIZER
========= Invalid __global__ write of size 4 bytes
=========     at add(const float *, const float *, float *, int)+0x90 in /c/builds/ab/solution.cu:6
=========     by thread (39,0,0) in block (3,0,0)
=========     Address 0x7f0000000400 is out of bounds
=========
========= ERROR SUMMARY: 1 error
"""

RACECHECK = """========= COMPUTE-SANITIZER
========= Error: Race reported between Write access at add(const float *, const float *, float *, int)+0x60 in /c/solution.cu:7
=========     and Read access at add(const float *, const float *, float *, int)+0x90 in /c/solution.cu:9 [1024 hazards]
=========
========= RACECHECK SUMMARY: 1 hazard displayed (1 error, 0 warnings)
"""


def test_sanitizer_output_is_mapped_to_lines() -> None:
    (write,) = parse_findings("memcheck", MEMCHECK)
    assert write.line == 6 and write.kernel == "add" and write.kind.startswith("Invalid __global__ write")
    (race,) = parse_findings("racecheck", RACECHECK)
    assert race.kind == "race" and race.line == 7


@needs_nvcc
@no_gpu
def test_a_kernel_only_answer_gets_the_problems_launch(bank: Bank, tmp_path: Path) -> None:
    kernel_only = """#include <cuda_runtime.h>
__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}
"""
    folder = bank.problem_dir("cuda.vector-add")
    report = judge(bank.get("cuda.vector-add"), folder, kernel_only, cache_dir=tmp_path)
    assert report.verdict == Verdict.NEEDS_GPU and report.compile.ok
    assert [k.kernel.split("(")[0] for k in report.compile.kernels] == ["vector_add"]

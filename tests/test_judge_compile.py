"""Compiling answers works without a GPU: diagnostics on the candidate's lines, ptxas resources, refusals, cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.judge.compile import compile_answer, nvcc_path, static_review

pytestmark = pytest.mark.skipif(nvcc_path() is None, reason="nvcc (CUDA toolkit) is not installed")

SHARED = """#include <cuda_runtime.h>
__global__ void scale(const float* x, float* y, int n) {
    __shared__ float tile[256];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    tile[threadIdx.x] = i < n ? x[i] : 0.0f;
    __syncthreads();
    if (i < n) y[i] = 2.0f * tile[threadIdx.x];
}
extern "C" void solve(const float* x, float* y, int n) { scale<<<(n + 255) / 256, 256>>>(x, y, n); }
"""


def test_a_compile_error_is_reported_on_the_candidates_line(tmp_path: Path) -> None:
    broken = SHARED.replace("tile[threadIdx.x] = i < n ? x[i] : 0.0f;", "tile[threadIdx.x] = i < n ? x[i] : 0.0f")
    result, library = compile_answer(broken, "sm_90", tmp_path, [])
    assert not result.ok and library is None
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert errors and errors[0].line == 6 and "expected a" in errors[0].message


def test_ptxas_resources_per_kernel_and_the_cache(tmp_path: Path) -> None:
    result, library = compile_answer(SHARED, "sm_90", tmp_path, [])
    assert result.ok and library is not None and library.is_file()
    (kernel,) = result.kernels
    assert kernel.kernel.startswith("scale(")
    assert kernel.shared_memory_bytes == 1024 and kernel.registers > 0
    again, same = compile_answer(SHARED, "sm_90", tmp_path, [])
    assert again.cached and same == library and again.kernels == result.kernels
    other, elsewhere = compile_answer(SHARED, "sm_80", tmp_path, [])
    assert not other.cached and elsewhere != library


def test_spills_are_reported(tmp_path: Path) -> None:
    source = """#include <cuda_runtime.h>
__global__ void __launch_bounds__(1024, 2) heavy(const float* x, float* y, int n) {
    float r[96];
    #pragma unroll
    for (int j = 0; j < 96; ++j) r[j] = x[(threadIdx.x * 97 + j * 13) % n];
    float acc = 0.f;
    #pragma unroll
    for (int j = 0; j < 96; ++j) acc += r[j] * r[95 - j] + r[(j * 7) % 96];
    y[threadIdx.x] = acc;
}
extern "C" void solve(const float* x, float* y, int n) { heavy<<<1, 1024>>>(x, y, n); }
"""
    result, _ = compile_answer(source, "sm_90", tmp_path, [])
    assert result.ok
    assert result.kernels[0].registers <= 32
    assert result.kernels[0].spill_stores_bytes > 0 or result.kernels[0].stack_frame_bytes > 0


@pytest.mark.parametrize(("include", "library"), [("cublas_v2.h", "cuBLAS"), ("cutlass/gemm/device/gemm.h", "CUTLASS"),
                                                  ("torch/extension.h", "torch"), ("cub/cub.cuh", "cub")])
def test_refused_libraries_are_named(tmp_path: Path, include: str, library: str) -> None:
    result, built = compile_answer(f"#include <{include}>\n" + SHARED, "sm_90", tmp_path, [])
    assert not result.ok and built is None
    assert any(d.severity == "error" and d.line == 1 and library in d.message for d in result.review)


def test_an_allowed_library_passes_review() -> None:
    assert static_review("#include <cub/cub.cuh>\n" + SHARED, ["cub"]) == []


def test_review_ignores_comments_and_flags_side_streams() -> None:
    source = SHARED + "// cudaDeviceReset() would be bad\nvoid f() { cudaStream_t s; cudaStreamCreate(&s); }\n"
    findings = static_review(source, [])
    assert [d.severity for d in findings] == ["warning"]
    assert findings[0].line == 11 and "stream" in findings[0].message

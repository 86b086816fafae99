"""What runs inside the judge worker process: the CUDA context, guarded buffers, correctness checks and timing.

Never imported by the app's own process: candidate code must not share its CUDA context. torch and pycuda share the
device's primary context here, so torch builds inputs and references and pycuda owns buffers, guards and events.
"""

from __future__ import annotations

import ctypes
import math
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from question_bank.models import CudaSpec, Param
from question_bank.problem_io import (
    expected_outputs,
    load_reference_module,
    make_inputs,
    shape_of,
    torch_dtype,
    work,
)
from tutor.judge.models import CaseResult, DevicePeaks, TimingStats, Verdict

GUARD_BYTES = 4096
GUARD_BYTE = 0xA5
POISONS = (0xFF, 0x5A)  # 0xFF is NaN in every float format; 0x5A catches unwritten integer outputs
STICKY_ERRORS = ("illegal address", "illegal instruction", "misaligned address", "unspecified launch failure",
                 "hardware stack error", "an illegal memory access", "launch timed out", "invalid program counter",
                 "operation not permitted when stream is capturing", "ECC")


class StickyCudaError(RuntimeError):
    """The context is unusable after this error; the worker must be replaced."""


class Runtime:
    """The CUDA context of one worker: created once, used for every job until the worker is replaced."""

    def __init__(self) -> None:
        import pycuda.driver as cuda
        import torch

        cuda.init()
        self.cuda = cuda
        self.torch = torch
        self.device = cuda.Device(0)
        self.context = self.device.retain_primary_context()
        self.context.push()
        torch.cuda.init()
        torch.cuda.set_device(0)
        self.name = self.device.name()
        major, minor = self.device.compute_capability()
        self.arch = f"sm_{major}{minor}"
        self.l2_bytes = int(self.device.get_attribute(cuda.device_attribute.L2_CACHE_SIZE))
        self.sm_count = int(self.device.get_attribute(cuda.device_attribute.MULTIPROCESSOR_COUNT))
        # Writing twice the L2 between timed runs leaves none of the previous run's data in it.
        self.flush_bytes = max(2 * self.l2_bytes, 64 << 20)
        self.flush_buffer = cuda.mem_alloc(self.flush_bytes)

    def synchronize(self) -> None:
        try:
            self.context.synchronize()
        except self.cuda.Error as error:
            raise _classify(error) from error

    def flush_l2(self) -> None:
        self.cuda.memset_d32_async(self.flush_buffer, 0x5F5F5F5F, self.flush_bytes // 4)

    def measure_peaks(self) -> DevicePeaks:
        torch = self.torch

        def best_ms(function: Any, repeats: int = 10) -> float:
            function()
            torch.cuda.synchronize()
            times = []
            for _ in range(repeats):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                function()
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
            return min(times)

        size = 1 << 30
        source, target = torch.empty(size, dtype=torch.uint8, device="cuda"), torch.empty(size, dtype=torch.uint8,
                                                                                          device="cuda")
        bandwidth = 2 * size / (best_ms(lambda: target.copy_(source)) * 1e-3) / 1e9
        n = 8192
        flops = 2 * n**3
        previous = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        a32, b32 = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
        fp32 = flops / (best_ms(lambda: a32 @ b32, 5) * 1e-3) / 1e12
        torch.backends.cuda.matmul.allow_tf32 = previous
        rates = {}
        for dtype in (torch.float16, torch.bfloat16):
            a, b = torch.randn(n, n, device="cuda", dtype=dtype), torch.randn(n, n, device="cuda", dtype=dtype)
            rates[dtype] = flops / (best_ms(lambda a=a, b=b: a @ b) * 1e-3) / 1e12
        a8 = torch.randint(-8, 8, (n, n), device="cuda", dtype=torch.int8)
        b8 = torch.randint(-8, 8, (n, n), device="cuda", dtype=torch.int8)
        int8 = flops / (best_ms(lambda: torch._int_mm(a8, b8)) * 1e-3) / 1e12
        torch.cuda.empty_cache()
        major, minor = self.device.compute_capability()
        return DevicePeaks(device=self.name, compute_capability=f"{major}.{minor}", sm_count=self.sm_count,
                           l2_bytes=self.l2_bytes, dram_bandwidth_gbs=bandwidth, fp32_tflops=fp32,
                           fp16_tensor_tflops=rates[torch.float16], bf16_tensor_tflops=rates[torch.bfloat16],
                           int8_tensor_tops=int8, measured_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _classify(error: Exception) -> Exception:
    text = str(error)
    if any(marker.lower() in text.lower() for marker in STICKY_ERRORS):
        return StickyCudaError(text)
    return error


@dataclass
class Buffer:
    """A device allocation with guard regions before and after the bytes the kernel may touch."""

    param: Param
    allocation: Any
    nbytes: int
    shape: tuple[int, ...]

    @property
    def pointer(self) -> int:
        return int(self.allocation) + GUARD_BYTES


def solve_arguments(spec: CudaSpec, pointers: dict[str, int], sizes: dict[str, int]) -> list[Any]:
    """The ctypes arguments of ``solve`` in signature order: device pointers, sizes and the problem's scalars."""
    arguments: list[Any] = []
    for param in spec.signature:
        if param.is_pointer:
            arguments.append(ctypes.c_void_p(pointers[param.name]))
        elif param.role == "size":
            arguments.append(ctypes.c_int(sizes[param.name]))
        elif param.ctype == "float":
            arguments.append(ctypes.c_float(float(param.value or 0)))
        else:
            arguments.append(ctypes.c_int(int(param.value or 0)))
    return arguments


class Solution:
    """A built answer loaded into the worker: ``solve`` plus the error accessors of its own CUDA runtime."""

    def __init__(self, library: Path, spec: CudaSpec) -> None:
        self.library = ctypes.CDLL(str(library))
        self.solve = self.library.solve
        self.solve.restype = None
        self.spec = spec
        self.get_last_error = self.library.judge_get_last_error
        self.get_last_error.restype = ctypes.c_int
        self.error_string = self.library.judge_error_string
        self.error_string.restype = ctypes.c_char_p
        self.error_string.argtypes = [ctypes.c_int]

    def call(self, pointers: dict[str, int], sizes: dict[str, int]) -> None:
        self.solve(*solve_arguments(self.spec, pointers, sizes))

    def launch_error(self) -> str | None:
        code = self.get_last_error()
        return None if code == 0 else f"{self.error_string(code).decode()} (cudaError {code})"


class ProblemRun:
    """One problem in one worker: its reference module and its input/output checking."""

    def __init__(self, runtime: Runtime, spec: CudaSpec, problem_dir: Path) -> None:
        self.runtime = runtime
        self.spec = spec
        self.problem_dir = problem_dir
        self.module = load_reference_module(problem_dir)

    def cases(self, seeds_per_size: int, first_seed: int) -> list[tuple[dict[str, int], int]]:
        chosen = []
        for number, sizes in enumerate(self.spec.test_sizes):
            chosen += [(sizes, first_seed + 1000 * number + k) for k in range(seeds_per_size)]
        chosen.append((self.spec.benchmark_size, first_seed + 999_999))
        return chosen

    def device_inputs(self, sizes: dict[str, int], seed: int) -> dict[str, Any]:
        cpu = make_inputs(self.spec, self.problem_dir, sizes, seed, module=self.module)
        return {name: tensor.to("cuda") for name, tensor in cpu.items()}

    def check(self, solution: Solution, sizes: dict[str, int], seed: int) -> CaseResult:
        torch = self.runtime.torch
        started = time.perf_counter()
        inputs = self.device_inputs(sizes, seed)
        expected = expected_outputs(self.spec, self.problem_dir, {k: v.clone() for k, v in inputs.items()}, sizes,
                                    module=self.module)
        integer_outputs = any(not t.dtype.is_floating_point or t.element_size() == 1 for t in expected.values())
        result: CaseResult | None = None
        for poison in POISONS[: 2 if integer_outputs else 1]:
            buffers = self._buffers(inputs, expected, poison)
            self.runtime.synchronize()
            solution.call({name: buffer.pointer for name, buffer in buffers.items()}, sizes)
            launch_error = solution.launch_error()
            self.runtime.synchronize()
            if launch_error is not None:
                return self._case(sizes, seed, started, Verdict.LAUNCH_ERROR, f"the launch failed: {launch_error}")
            result = self._judge_buffers(buffers, inputs, expected, sizes, seed, started)
            for buffer in buffers.values():
                buffer.allocation.free()
            if not result.passed:
                return result
        torch.cuda.empty_cache()
        assert result is not None
        return result

    def _buffers(self, inputs: dict[str, Any], expected: dict[str, Any], poison: int) -> dict[str, Buffer]:
        cuda = self.runtime.cuda
        buffers = {}
        for param in self.spec.signature:
            if not param.is_pointer:
                continue
            tensor = inputs.get(param.name)
            shape = tuple((tensor if tensor is not None else expected[param.name]).shape)
            nbytes = math.prod(shape) * torch_dtype(param.pointee_dtype).itemsize
            allocation = cuda.mem_alloc(nbytes + 2 * GUARD_BYTES)
            cuda.memset_d8(allocation, GUARD_BYTE, nbytes + 2 * GUARD_BYTES)
            buffer = Buffer(param, allocation, nbytes, shape)
            if tensor is not None:
                cuda.memcpy_dtod(buffer.pointer, tensor.contiguous().data_ptr(), nbytes) if nbytes else None
            elif nbytes:
                cuda.memset_d8(buffer.pointer, poison, nbytes)
            buffers[param.name] = buffer
        return buffers

    def _judge_buffers(self, buffers: dict[str, Buffer], inputs: dict[str, Any], expected: dict[str, Any],
                       sizes: dict[str, int], seed: int, started: float) -> CaseResult:
        for name, buffer in buffers.items():
            damaged = self._damaged_guard(buffer)
            if damaged is not None:
                return self._case(sizes, seed, started, Verdict.OUT_OF_BOUNDS,
                                  f"wrote outside '{name}': {damaged}")
        for param in self.spec.signature:
            if param.role == "input" and not self._read(buffers[param.name]).equal(inputs[param.name]):
                return self._case(sizes, seed, started, Verdict.INPUT_MODIFIED,
                                  f"input '{param.name}' changed; this problem's inputs are read-only")
        worst: CaseResult | None = None
        for name, want in expected.items():
            case = self._compare(name, self._read(buffers[name]), want, sizes, seed, started)
            if not case.passed:
                return case
            if worst is None or (case.max_abs_error or 0) > (worst.max_abs_error or 0):
                worst = case
        assert worst is not None
        return worst

    def _read(self, buffer: Buffer) -> Any:
        torch = self.runtime.torch
        out = torch.empty(buffer.shape, dtype=torch_dtype(buffer.param.pointee_dtype), device="cuda")
        if buffer.nbytes:
            self.runtime.cuda.memcpy_dtod(out.data_ptr(), buffer.pointer, buffer.nbytes)
        return out

    def _damaged_guard(self, buffer: Buffer) -> str | None:
        import numpy as np

        cuda = self.runtime.cuda
        for where, offset in (("before the start", 0), ("past the end", GUARD_BYTES + buffer.nbytes)):
            guard = np.empty(GUARD_BYTES, dtype=np.uint8)
            cuda.memcpy_dtoh(guard, int(buffer.allocation) + offset)
            changed = np.flatnonzero(guard != GUARD_BYTE)
            if changed.size:
                first = int(changed[0] if where == "past the end" else changed[-1])
                distance = first + 1 if where == "past the end" else GUARD_BYTES - first
                return f"{changed.size} byte(s) {where}, the nearest {distance} byte(s) {where.split()[0]} it"
        return None

    def _compare(self, name: str, got: Any, want: Any, sizes: dict[str, int], seed: int, started: float) -> CaseResult:
        torch = self.runtime.torch
        param = next(p for p in self.spec.signature if p.name == name)
        tolerance = self.spec.tolerance[param.pointee_dtype]  # type: ignore[index]
        actual, wanted = got.double(), want.to(got.device).double()
        difference = (actual - wanted).abs()
        allowed = tolerance.atol + tolerance.rtol * wanted.abs()
        bad = ~(difference <= allowed)  # NaN anywhere counts as bad
        finite = torch.isfinite(difference)
        max_abs = float(difference[finite].max()) if bool(finite.any()) else math.inf
        relative = difference / wanted.abs().clamp_min(1e-30)
        max_rel = float(relative[finite].max()) if bool(finite.any()) else math.inf
        if not bool(bad.any()):
            return CaseResult(sizes=sizes, seed=seed, passed=True, verdict=Verdict.PASSED, output=name,
                              max_abs_error=max_abs, max_rel_error=max_rel, seconds=time.perf_counter() - started)
        flat = int(torch.nonzero(bad.flatten())[0])
        index = [int(i) for i in torch.unravel_index(torch.tensor(flat), tuple(got.shape))]
        expected_value, actual_value = float(wanted.flatten()[flat]), float(actual.flatten()[flat])
        count = int(bad.sum())
        unwritten = " (the output still holds the poison the judge wrote: never written)" if math.isnan(actual_value) \
            and not math.isnan(expected_value) else ""
        nan_note = " NaN in the output." if bool(torch.isnan(actual).any()) else ""
        message = (f"output '{name}' differs at {count} of {got.numel()} element(s); first at {index}: expected "
                   f"{expected_value:.6g}, got {actual_value:.6g}{unwritten}.{nan_note} Tolerance atol "
                   f"{tolerance.atol:g}, rtol {tolerance.rtol:g}.")
        return CaseResult(sizes=sizes, seed=seed, passed=False, verdict=Verdict.WRONG_ANSWER, message=message,
                          output=name, max_abs_error=max_abs, max_rel_error=max_rel, first_mismatch_index=index,
                          expected=expected_value, actual=actual_value, seconds=time.perf_counter() - started)

    @staticmethod
    def _case(sizes: dict[str, int], seed: int, started: float, verdict: Verdict, message: str) -> CaseResult:
        return CaseResult(sizes=sizes, seed=seed, passed=False, verdict=verdict, message=message,
                          seconds=time.perf_counter() - started)

    # --- timing ---------------------------------------------------------------------------------------------

    def timing_buffers(self, sizes: dict[str, int], seed: int) -> tuple[dict[str, int], dict[str, Any], list[Any]]:
        """Device pointers for a timed run (outputs allocated, inputs filled), the inputs, and what to keep alive."""
        torch = self.runtime.torch
        inputs = self.device_inputs(sizes, seed)
        keep: list[Any] = []
        pointers = {}
        for param in self.spec.signature:
            if not param.is_pointer:
                continue
            if param.name in inputs:
                tensor = inputs[param.name].clone()
            else:
                tensor = torch.empty(shape_of(self.spec.outputs[param.name].shape, sizes),
                                     dtype=torch_dtype(param.pointee_dtype), device="cuda")
            keep.append(tensor)
            pointers[param.name] = tensor.data_ptr()
        return pointers, inputs, keep

    def unsynchronized_work(self, solution: Solution, sizes: dict[str, int], seed: int) -> str | None:
        """Work still running on another stream after the default stream finished: the time would be a lie."""
        cuda = self.runtime.cuda
        pointers, _, keep = self.timing_buffers(sizes, seed)
        pending = []
        for _ in range(3):
            self.runtime.synchronize()
            start, end = cuda.Event(), cuda.Event()
            start.record()
            solution.call(pointers, sizes)
            end.record()
            end.synchronize()
            event_ms = end.time_since(start)
            began = time.perf_counter()
            self.runtime.synchronize()
            pending.append(((time.perf_counter() - began) * 1e3, event_ms))
        del keep
        if all(waited > max(0.05, event_ms) for waited, event_ms in pending):
            waited = statistics.median(w for w, _ in pending)
            event = statistics.median(e for _, e in pending)
            return (f"solve() returned with work still running outside the default stream: the default stream "
                    f"finished in {event:.3f} ms but the device was busy for another {waited:.3f} ms. Launch on "
                    f"stream 0, or make the default stream wait for your stream before returning.")
        return None

    def time_call(self, label: str, function: Any, sizes: dict[str, int], budget_s: float,
                  peak: tuple[float, str] | None) -> TimingStats:
        cuda = self.runtime.cuda
        for _ in range(3):
            function()
        self.runtime.synchronize()
        samples: list[float] = []
        deadline = time.perf_counter() + budget_s
        start, end = cuda.Event(), cuda.Event()
        while True:
            self.runtime.flush_l2()
            start.record()
            function()
            end.record()
            end.synchronize()
            samples.append(end.time_since(start))
            if len(samples) >= 10:
                mean = statistics.fmean(samples)
                rse = statistics.stdev(samples) / math.sqrt(len(samples)) / mean if mean > 0 else 0.0
                if (rse < 0.01 and len(samples) >= 20) or time.perf_counter() > deadline or len(samples) >= 2000:
                    break
        self.runtime.synchronize()
        ordered = sorted(samples)
        median = statistics.median(ordered)
        mean = statistics.fmean(ordered)
        rse = statistics.stdev(ordered) / math.sqrt(len(ordered)) / mean if mean > 0 else 0.0
        bytes_moved, flops = work(self.spec, sizes)
        rate = unit = percent = None
        if self.spec.work.bound == "memory":
            rate, unit = bytes_moved / (median * 1e-3) / 1e9, "GB/s"
        else:
            rate, unit = flops / (median * 1e-3) / 1e12, "TFLOP/s"
        if peak is not None:
            percent = 100.0 * rate / peak[0]
        return TimingStats(label=label, median_ms=median, p10_ms=_percentile(ordered, 0.10),
                           p90_ms=_percentile(ordered, 0.90), iterations=len(ordered), relative_standard_error=rse,
                           rate=rate, rate_unit=unit, percent_of_peak=percent)


def _percentile(ordered: list[float], fraction: float) -> float:
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def peak_for(spec: CudaSpec, peaks: DevicePeaks) -> tuple[float, str]:
    """The measured peak this problem's figure is compared with, and how it reads."""
    match spec.work.peak:
        case "fp32":
            return peaks.fp32_tflops, f"{peaks.fp32_tflops:.1f} TFLOP/s FP32 (measured GEMM)"
        case "fp16_tensor":
            return peaks.fp16_tensor_tflops, f"{peaks.fp16_tensor_tflops:.0f} TFLOP/s FP16 tensor (measured GEMM)"
        case "bf16_tensor":
            return peaks.bf16_tensor_tflops, f"{peaks.bf16_tensor_tflops:.0f} TFLOP/s BF16 tensor (measured GEMM)"
        case "int8_tensor":
            # INT8 tensor cores run at twice the FP16 rate on Ampere and Hopper; a torch._int_mm figure below the FP16
            # rate means torch took a slow path, so it cannot serve as the peak.
            if peaks.int8_tensor_tops >= peaks.fp16_tensor_tflops:
                return peaks.int8_tensor_tops, f"{peaks.int8_tensor_tops:.0f} TOP/s INT8 tensor (measured GEMM)"
            derived = 2 * peaks.fp16_tensor_tflops
            return derived, (f"{derived:.0f} TOP/s INT8 tensor (2x the measured FP16 GEMM; torch._int_mm reached only "
                             f"{peaks.int8_tensor_tops:.0f})")
    return peaks.dram_bandwidth_gbs, f"{peaks.dram_bandwidth_gbs:.0f} GB/s DRAM (measured device copy)"

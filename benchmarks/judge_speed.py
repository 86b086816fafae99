"""How fast the judge gives a verdict, and whether its times can be trusted.

1. Verdict latency with a warm worker: a new source (compile + every test) and an already compiled one, per phase.
2. Agreement with triton.testing.do_bench (L2 cleared, median) on the bank's optimized kernels.
3. Spread of the median over 5 judgings of the same answer.

Needs an NVIDIA GPU, nvcc, pycuda (and triton for part 2). Run: python benchmarks/judge_speed.py
"""

from __future__ import annotations

import ctypes
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from question_bank.loader import load_bank
from question_bank.problem_io import make_inputs, shape_of, torch_dtype
from tutor.judge import JudgeWorker, judge
from tutor.judge.compile import compile_answer
from tutor.judge.runner import solve_arguments

AGREEMENT_PROBLEMS = ["cuda.vector-add", "cuda.softmax", "cuda.gemv-fp16", "cuda.rmsnorm", "cuda.sgemm-tiled",
                      "cuda.hgemm-tensor-core", "cuda.matrix-transpose"]


def main() -> None:
    bank = load_bank()
    cache = Path(tempfile.mkdtemp()) / "judge"
    worker = JudgeWorker(cache)
    started = time.perf_counter()
    worker.start()
    print(f"worker cold start (imports, context, peaks measured once per device): {time.perf_counter() - started:.2f} s")
    print(f"device: {worker.device}\n")

    problem = bank.get("cuda.vector-add")
    folder = bank.problem_dir("cuda.vector-add")
    base = (folder / "optimized.cu").read_text()
    print(f"{'verdict latency (vector-add, 16 cases)':<44}{'compile s':>10}{'check s':>9}{'total s':>9}")
    for label, variant in (("new source #1", 1), ("new source #2", 2), ("new source #3", 3), ("compiled, warm #1", 3),
                           ("compiled, warm #2", 3), ("compiled, warm #3", 3)):
        source = base + f"\n// variant {variant}\n"
        report = judge(problem, folder, source, "check", cache_dir=cache, worker=worker)
        assert report.passed, report.summary
        print(f"{label:<44}{report.phases.compile_s:>10.2f}{report.phases.check_s:>9.2f}{report.phases.total_s:>9.2f}")
    print("targets: new source < 3 s; compiled with a warm worker < 1 s\n")

    print(f"{'agreement with triton do_bench':<34}{'judge us':>10}{'do_bench us':>13}{'diff %':>8}")
    for problem_id in AGREEMENT_PROBLEMS:
        if problem_id not in bank.questions:
            continue
        question, problem_dir = bank.get(problem_id), bank.problem_dir(problem_id)
        report = judge(question, problem_dir, (problem_dir / "optimized.cu").read_text(), "all", cache_dir=cache,
                       worker=worker)
        assert report.timing is not None, report.summary
        mine = next(e for e in report.timing.entries if e.label == "your answer").median_ms
        theirs = do_bench_median(question, problem_dir, cache, report.compile.arch)
        if theirs is None:
            print(f"{problem_id:<34}{mine * 1e3:>10.1f}{'n/a':>13}")
            continue
        print(f"{problem_id:<34}{mine * 1e3:>10.1f}{theirs * 1e3:>13.1f}{100 * (mine - theirs) / theirs:>8.1f}")
    print("target: within 5%\n")

    medians = []
    for _ in range(5):
        report = judge(problem, folder, base, "all", cache_dir=cache, worker=worker)
        assert report.timing is not None
        medians.append(next(e for e in report.timing.entries if e.label == "your answer").median_ms)
    spread = (max(medians) - min(medians)) / statistics.median(medians)
    print("medians over 5 judgings (us): " + ", ".join(f"{m * 1e3:.2f}" for m in medians))
    print(f"spread (max - min) / median: {spread * 100:.2f}%   target: < 3%")
    worker.close()


def do_bench_median(question: Any, problem_dir: Path, cache: Path, arch: str) -> float | None:
    """The same kernel timed by triton's do_bench in this process (an independent method), in ms."""
    try:
        import torch
        import triton.testing
    except ImportError:
        return None
    spec = question.cuda
    _, library = compile_answer((problem_dir / "optimized.cu").read_text(), arch, cache / "builds", [])
    assert library is not None
    solve = ctypes.CDLL(str(library)).solve
    sizes = spec.benchmark_size
    inputs = {k: v.cuda() for k, v in make_inputs(spec, problem_dir, sizes, seed=5).items()}
    keep = []
    pointers = {}
    for param in spec.signature:
        if param.is_pointer:
            tensor = inputs[param.name] if param.name in inputs else torch.empty(
                shape_of(spec.outputs[param.name].shape, sizes), dtype=torch_dtype(param.pointee_dtype), device="cuda")
            keep.append(tensor)
            pointers[param.name] = tensor.data_ptr()
    arguments = solve_arguments(spec, pointers, sizes)
    return float(triton.testing.do_bench(lambda: solve(*arguments), warmup=50, rep=300, return_mode="median"))


if __name__ == "__main__":
    main()

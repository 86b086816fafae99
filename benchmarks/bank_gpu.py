"""Run every CUDA problem of the bank on this machine's GPU and record its figures next to the problem.

For each problem: naive and optimized are checked on every test size (as an answer would be), then naive, optimized
and the torch reference are timed with the judge's method at the benchmark size. The figures go to
``<problem>/measured.yaml``; a table is printed. Needs an NVIDIA GPU, nvcc and pycuda.

Run: python benchmarks/bank_gpu.py [--only ID ...] [--no-write] [--bundle FILE]
     python benchmarks/bank_gpu.py --apply FILE   (write the measured.yaml files from a bundle made elsewhere)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

import yaml

from question_bank.loader import MEASURED_FILE, load_bank
from question_bank.models import MeasuredEntry, Measurement
from tutor.judge import JudgeWorker, judge


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--bundle", type=Path, help="also write every measurement into this one YAML file")
    parser.add_argument("--apply", type=Path, help="write measured.yaml files from a bundle, then stop")
    args = parser.parse_args()
    bank = load_bank()
    if args.apply:
        bundle = yaml.safe_load(args.apply.read_text())
        for problem_id, data in bundle.items():
            write_measurement(bank.problem_dir(problem_id), Measurement.model_validate(data))
        print(f"wrote {len(bundle)} measured.yaml files")
        return 0
    collected: dict[str, dict[str, object]] = {}
    worker = JudgeWorker(Path(tempfile.mkdtemp()) / "judge")
    problems = [q for q in bank if q.cuda is not None and (not args.only or q.id in args.only)]
    rows = []
    failures = 0
    for question in sorted(problems, key=lambda q: (["easy", "medium", "hard"].index(q.difficulty), q.id)):
        folder = bank.problem_dir(question.id)
        naive = judge(question, folder, (folder / "naive.cu").read_text(), "check", cache_dir=worker.cache_dir,
                      worker=worker)
        optimized = judge(question, folder, (folder / "optimized.cu").read_text(), "all", cache_dir=worker.cache_dir,
                          worker=worker)
        if not (naive.passed and optimized.passed) or optimized.timing is None:
            failures += 1
            print(f"FAIL {question.id}: naive: {naive.summary}\n     optimized: {optimized.summary}", flush=True)
            continue
        timing = optimized.timing
        entries = [MeasuredEntry(label=e.label, median_ms=round(e.median_ms, 5), p10_ms=round(e.p10_ms, 5),
                                 p90_ms=round(e.p90_ms, 5), rate=round(e.rate or 0.0, 2), rate_unit=e.rate_unit or "",
                                 percent_of_peak=round(e.percent_of_peak or 0.0, 1))
                   for e in timing.entries if e.label in ("naive", "optimized", "torch")]
        measurement = Measurement(device=timing.device, date=date.today().isoformat(), sizes=timing.sizes,
                                  peak=timing.peak_description, entries=entries)
        collected[question.id] = measurement.model_dump(exclude_none=True)
        if args.bundle:  # after every problem, so an interrupted run keeps what it measured
            args.bundle.write_text(yaml.safe_dump(collected, sort_keys=False))
        if not args.no_write:
            write_measurement(folder, measurement)
        by_label = {e.label: e for e in entries}
        rows.append((question.id, question.difficulty.value, question.cuda.work.bound if question.cuda else "",
                     by_label["naive"], by_label["optimized"], by_label.get("torch")))
        print(f"ok   {question.id}", flush=True)
    print(f"\n{'problem':<32}{'diff':<7}{'bound':<8}{'naive us':>10}{'opt us':>10}{'torch us':>10}{'opt rate':>18}"
          f"{'% peak':>8}{'opt/naive':>10}")
    for problem_id, difficulty, bound, naive_entry, opt, torch_entry in rows:
        torch_us = f"{torch_entry.median_ms * 1e3:.1f}" if torch_entry else "-"
        print(f"{problem_id:<32}{difficulty:<7}{bound:<8}{naive_entry.median_ms * 1e3:>10.1f}{opt.median_ms * 1e3:>10.1f}"
              f"{torch_us:>10}{f'{opt.rate:,.1f} {opt.rate_unit}':>18}{opt.percent_of_peak:>8.1f}"
              f"{naive_entry.median_ms / opt.median_ms:>9.1f}x")
    if worker.peaks:
        p = worker.peaks
        print(f"\ndevice: {p.device}; measured peaks: {p.dram_bandwidth_gbs:.0f} GB/s copy, FP32 {p.fp32_tflops:.1f}, "
              f"FP16 tensor {p.fp16_tensor_tflops:.0f}, BF16 tensor {p.bf16_tensor_tflops:.0f} TFLOP/s, "
              f"INT8 tensor {p.int8_tensor_tops:.0f} TOP/s")
    worker.close()
    if args.bundle:
        args.bundle.write_text(yaml.safe_dump(collected, sort_keys=False))
    print(f"\n{len(rows)} problems measured, {failures} failed")
    return 1 if failures else 0


def write_measurement(folder: Path, measurement: Measurement) -> None:
    (folder / MEASURED_FILE).write_text("# Written by benchmarks/bank_gpu.py on a real GPU; do not edit by hand.\n"
                                        + yaml.safe_dump(measurement.model_dump(exclude_none=True), sort_keys=False))


if __name__ == "__main__":
    sys.exit(main())

"""``tutor judge PROBLEM_ID FILE.cu``: judge an answer from the shell, as a table or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tutor.config import ConfigError, load_settings


def add_commands(commands: Any) -> None:
    judge = commands.add_parser("judge", help="compile, test and time a CUDA answer on the local GPU")
    judge.add_argument("problem_id", help="e.g. cuda.vector-add (see `tutor bank list --category cuda_coding`)")
    judge.add_argument("file", type=Path, help="your .cu file defining extern \"C\" void solve(...)")
    judge.add_argument("--bench", action="store_true", help="also time it against naive, optimized and torch")
    judge.add_argument("--sanitize", action="store_true", help="also run compute-sanitizer (memcheck, racecheck)")
    judge.add_argument("--json", action="store_true", help="print the full report as JSON")
    judge.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from question_bank.loader import load_bank
    from tutor.judge import judge

    try:
        settings, _ = load_settings()
    except ConfigError as error:
        print(f"tutor judge: {error}", file=sys.stderr)
        return 1
    bank = load_bank()
    try:
        problem = bank.get(args.problem_id)
        folder = bank.problem_dir(args.problem_id)
    except KeyError as error:
        print(f"tutor judge: {error.args[0]}", file=sys.stderr)
        return 2
    try:
        source = args.file.read_text(encoding="utf-8")
    except OSError as error:
        print(f"tutor judge: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    report = judge(problem, folder, source, "all" if args.bench else "check", cache_dir=settings.data_dir / "judge",
                   sanitize=args.sanitize)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print(render_report(report, args.file))
    return 0 if report.passed else 1


def render_report(report: Any, file: Path) -> str:
    lines = [f"{report.problem_id}: {report.verdict.value.upper()}", "", report.summary, ""]
    compiled = report.compile
    for diagnostic in [*compiled.review, *compiled.diagnostics]:
        where = f"{file}:{diagnostic.line}: " if diagnostic.line else ""
        lines.append(f"  {where}{diagnostic.severity}: {diagnostic.message}")
    if compiled.kernels:
        lines += ["", f"  {'kernel':<40}{'regs':>6}{'spill st/ld B':>15}{'smem B':>9}{'stack B':>9}"]
        for k in compiled.kernels:
            lines.append(f"  {k.kernel[:39]:<40}{k.registers:>6}{f'{k.spill_stores_bytes}/{k.spill_loads_bytes}':>15}"
                         f"{k.shared_memory_bytes:>9}{k.stack_frame_bytes:>9}")
    if report.cases:
        lines += ["", f"  {'case':<34}{'seed':>11}  {'result':<20}{'max abs err':>12}{'max rel err':>12}"]
        for case in report.cases:
            sizes = ",".join(f"{k}={v}" for k, v in case.sizes.items()) or "-"
            abs_err = f"{case.max_abs_error:.2e}" if case.max_abs_error is not None else "-"
            rel_err = f"{case.max_rel_error:.2e}" if case.max_rel_error is not None else "-"
            lines.append(f"  {sizes[:33]:<34}{case.seed:>11}  {case.verdict.value:<20}{abs_err:>12}{rel_err:>12}")
            if case.message:
                lines.append(f"      {case.message}")
    if report.timing is not None:
        timing = report.timing
        sizes = ", ".join(f"{k}={v}" for k, v in timing.sizes.items())
        lines += ["", f"  timing on {timing.device} at {sizes}; L2 flushed between runs; peak: {timing.peak_description}",
                  f"  {'':<14}{'median us':>11}{'p10 us':>10}{'p90 us':>10}{'runs':>6}{'rate':>16}{'% peak':>8}"]
        for entry in timing.entries:
            rate = f"{entry.rate:,.1f} {entry.rate_unit}" if entry.rate is not None else "-"
            percent = f"{entry.percent_of_peak:.0f}" if entry.percent_of_peak is not None else "-"
            lines.append(f"  {entry.label:<14}{entry.median_ms * 1e3:>11.1f}{entry.p10_ms * 1e3:>10.1f}"
                         f"{entry.p90_ms * 1e3:>10.1f}{entry.iterations:>6}{rate:>16}{percent:>8}")
    if report.sanitizer_ran:
        lines += ["", f"  compute-sanitizer: {len(report.sanitizer)} finding(s)"]
        for finding in report.sanitizer:
            where = f"{file}:{finding.line}: " if finding.line else ""
            lines.append(f"    {where}{finding.tool}: {finding.message.splitlines()[0]}")
    if report.stdout_excerpt:
        lines += ["", "  your kernels printed:", *("    " + line for line in report.stdout_excerpt.splitlines()[:10])]
    phases = report.phases
    lines += ["", f"  time: compile {phases.compile_s:.2f}s, worker start {phases.worker_start_s:.2f}s, "
                  f"check {phases.check_s:.2f}s, bench {phases.bench_s:.2f}s, sanitize {phases.sanitize_s:.2f}s, "
                  f"total {phases.total_s:.2f}s"]
    return "\n".join(lines)

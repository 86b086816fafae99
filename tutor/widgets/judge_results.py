"""The judge's report as tables: verdict and summary, per-test cases, timing against naive/optimized/torch, and the
compiler's per-kernel resource report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

if TYPE_CHECKING:
    from tutor.judge.models import JudgeReport

VERDICT_STYLE = {"passed": "bold green", "needs_gpu": "bold yellow", "cancelled": "bold yellow"}


def sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{name}={value}" for name, value in sizes.items()) or "-"


def speedup_text(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


class JudgeResultsView(VerticalScroll):
    """Empty until `show(report)`; each table appears only when the report has its part."""

    DEFAULT_CSS = """
    JudgeResultsView { height: 1fr; padding: 0 1; }
    JudgeResultsView > Static { height: auto; margin: 1 0 0 0; }
    JudgeResultsView > DataTable { height: auto; max-height: 16; margin: 0; }
    JudgeResultsView .table-title { text-style: bold; color: $accent; }
    """

    def compose(self) -> ComposeResult:
        yield Static("No run yet. ctrl+r runs the tests, ctrl+b runs them and times your kernel.", id="verdict")
        yield Static("Test cases", classes="table-title", id="cases-title")
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Static("Timing", classes="table-title", id="timing-title")
        yield DataTable(id="timing", cursor_type="row", zebra_stripes=True)
        yield Static("", id="speedups")
        yield Static("Compiler resource report (ptxas)", classes="table-title", id="resources-title")
        yield DataTable(id="resources", cursor_type="row", zebra_stripes=True)
        yield Static("", id="diagnostics")
        yield Static("", id="printed")

    def on_mount(self) -> None:
        self.query_one("#cases", DataTable).add_columns("sizes", "seed", "verdict", "max abs err", "max rel err", "note")
        self.query_one("#timing", DataTable).add_columns("", "median µs", "p10 µs", "p90 µs", "runs", "rate", "% of peak")
        self.query_one("#resources", DataTable).add_columns("kernel", "registers", "spill st/ld B", "shared B", "stack B")
        self._show_parts(cases=False, timing=False, resources=False)

    def _show_parts(self, *, cases: bool, timing: bool, resources: bool) -> None:
        for name, shown in (("cases", cases), ("timing", timing), ("resources", resources)):
            self.query_one(f"#{name}").display = shown
            self.query_one(f"#{name}-title").display = shown
        self.query_one("#speedups").display = timing

    def show(self, report: JudgeReport) -> None:
        verdict = report.verdict.value
        heading = Text.assemble((verdict.replace("_", " ").upper(), VERDICT_STYLE.get(verdict, "bold red")),
                                (f"   {report.device or report.compile.arch}", "dim"), "\n", report.summary)
        self.query_one("#verdict", Static).update(heading)

        cases = self.query_one("#cases", DataTable)
        cases.clear()
        for case in report.cases:
            cases.add_row(sizes_text(case.sizes), str(case.seed),
                          Text(case.verdict.value, style="green" if case.passed else "red"),
                          f"{case.max_abs_error:.2e}" if case.max_abs_error is not None else "-",
                          f"{case.max_rel_error:.2e}" if case.max_rel_error is not None else "-",
                          case.message.splitlines()[0][:60] if case.message else "")

        timing_table = self.query_one("#timing", DataTable)
        timing_table.clear()
        timing = report.timing
        if timing is not None:
            self.query_one("#timing-title", Static).update(
                f"Timing on {timing.device} at {sizes_text(timing.sizes)} (L2 flushed; peak: {timing.peak_description})")
            for entry in timing.entries:
                rate = f"{entry.rate:,.1f} {entry.rate_unit}" if entry.rate is not None else "-"
                percent = f"{entry.percent_of_peak:.0f}%" if entry.percent_of_peak is not None else "-"
                label = Text(entry.label, style="bold" if entry.label == "your answer" else "")
                timing_table.add_row(label, f"{entry.median_ms * 1e3:,.1f}", f"{entry.p10_ms * 1e3:,.1f}",
                                     f"{entry.p90_ms * 1e3:,.1f}", str(entry.iterations), rate, percent)
            self.query_one("#speedups", Static).update(Text.assemble(
                ("Speed-up of your answer: ", "bold"), f"{speedup_text(timing.speedup_over_naive)} over naive, ",
                f"{speedup_text(timing.speedup_over_optimized)} over the optimized solution, ",
                f"{speedup_text(timing.speedup_over_torch)} over torch"))

        resources = self.query_one("#resources", DataTable)
        resources.clear()
        for kernel in report.compile.kernels:
            resources.add_row(kernel.kernel.split("(")[0][:40], str(kernel.registers),
                              f"{kernel.spill_stores_bytes}/{kernel.spill_loads_bytes}",
                              str(kernel.shared_memory_bytes), str(kernel.stack_frame_bytes))

        diagnostics = [*report.compile.review, *report.compile.diagnostics]
        lines = Text()
        for diagnostic in diagnostics:
            where = f"line {diagnostic.line}: " if diagnostic.line else ""
            style = {"error": "red", "warning": "yellow"}.get(diagnostic.severity, "dim")
            lines.append(f"{where}{diagnostic.severity}: {diagnostic.message}\n", style=style)
        self.query_one("#diagnostics", Static).update(lines)
        printed = report.stdout_excerpt.strip()
        self.query_one("#printed", Static).update(
            Text.assemble(("Your kernels printed:\n", "bold"), printed[:2000]) if printed else "")
        self._show_parts(cases=bool(report.cases), timing=timing is not None, resources=bool(report.compile.kernels))
        self.scroll_home(animate=False)

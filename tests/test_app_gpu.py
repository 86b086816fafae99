"""On a machine with an NVIDIA GPU: open a CUDA problem in the app, put its optimized solution in the editor, run the
tests and the benchmark through the resident judge worker, and check the verdict and the figures on screen."""

from __future__ import annotations

import os

import pytest
from textual.widgets import DataTable

from question_bank.loader import Bank
from tests.app_pilot import make_app, screen_text
from tutor.widgets.cuda_editor import CudaEditor

pytestmark = [pytest.mark.anyio, pytest.mark.gpu]
PROBLEM = "cuda.softmax"


async def wait_for_report(pilot: object, screen: object, previous: object, seconds: float = 300.0) -> None:
    app = screen.app  # type: ignore[attr-defined]
    for _ in range(int(seconds / 0.2)):
        report = screen.last_report  # type: ignore[attr-defined]
        if report is not None and report is not previous:
            return
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert not errors, f"the judge run failed: {errors}"
        await pilot.pause(0.2)  # type: ignore[attr-defined]
    raise AssertionError(f"the judge did not answer in time; on screen:\n{screen_text(app)}")


async def test_optimized_solution_passes_and_is_timed_in_the_app(bank: Bank) -> None:
    app = make_app(bank, gpu=None)  # None: look for the real GPU
    solution = (bank.problem_dir(PROBLEM) / "optimized.cu").read_text(encoding="utf-8")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.open_item(PROBLEM)
        await pilot.pause()
        screen = app.screen
        for _ in range(300):
            if screen.has_gpu is not None:  # type: ignore[attr-defined]
                break
            await pilot.pause(0.1)
        assert screen.has_gpu, "nvidia-smi found no GPU"  # type: ignore[attr-defined]
        screen.query_one("#code", CudaEditor).load_text(solution)

        await pilot.press("ctrl+r")
        await wait_for_report(pilot, screen, None)
        checked = screen.last_report  # type: ignore[attr-defined]
        assert checked.verdict.value == "passed", checked.summary
        cases = screen.query_one("#cases", DataTable)
        assert cases.row_count == len(checked.cases) >= 3
        assert all(str(cases.get_row_at(row)[2]) == "passed" for row in range(cases.row_count))

        await pilot.press("ctrl+b")
        await wait_for_report(pilot, screen, checked)
        report = screen.last_report  # type: ignore[attr-defined]
        assert report.verdict.value == "passed", report.summary
        assert report.timing is not None
        labels = {entry.label for entry in report.timing.entries}
        assert {"your answer", "naive", "torch"} <= labels
        timing = screen.query_one("#timing", DataTable)
        assert timing.row_count == len(report.timing.entries)
        text = screen_text(app)
        assert "PASSED" in text and "Speed-up of your answer" in text
        assert ("GB/s" in text or "TFLOP/s" in text) and "%" in text
        assert report.timing.speedup_over_naive is not None and report.timing.speedup_over_naive > 0
        assert not any(n.severity == "error" for n in app._notifications)
        if os.environ.get("TUTOR_SCREENSHOT_DIR"):  # the README's picture of a judged run on a real GPU
            app.save_screenshot("cuda-practice-h100.svg", path=os.environ["TUTOR_SCREENSHOT_DIR"])
            for entry in report.timing.entries:
                print(entry.model_dump_json())
    runs = app.services.storage.judge_runs(PROBLEM)
    assert [run.verdict for run in runs] == ["passed", "passed"]
    app.services.close()

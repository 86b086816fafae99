"""The CUDA problem screen without a GPU: the editor loads the starter (or your saved code), ctrl+r compiles and shows
the ptxas resource report, and running says what is missing. Needs nvcc (skips without it)."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import Button, DataTable

from question_bank.loader import Bank
from tests.app_pilot import make_app, screen_text, wait_until
from tutor.widgets.cuda_editor import CudaEditor, cuda_language

pytestmark = pytest.mark.anyio
PROBLEM = "cuda.vector-add"
needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc (the CUDA toolkit) to compile")


def test_cuda_highlighting_is_registered() -> None:
    grammar = cuda_language()
    assert grammar is not None, "tree-sitter-cuda is a dependency"
    editor = CudaEditor('__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }')
    assert editor.language == "cuda"


async def test_starter_code_loads_and_edits_autosave(bank: Bank) -> None:
    app = make_app(bank)
    starter = (bank.problem_dir(PROBLEM) / "starter.cu").read_text(encoding="utf-8")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_item(PROBLEM)
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "CudaProblemScreen"
        editor = screen.query_one("#code", CudaEditor)
        assert editor.text == starter
        screen.save_draft()  # type: ignore[attr-defined]
        assert app.services.storage.latest_draft(PROBLEM) is None  # the untouched starter is not a draft
        editor.insert("// mine\n", (0, 0))
        await pilot.press("escape", "escape")  # leave the editor, then the screen: saved on the way out
        await pilot.pause()
        draft = app.services.storage.latest_draft(PROBLEM)
        assert draft is not None and draft.code == "// mine\n" + starter
        app.open_item(PROBLEM)
        await pilot.pause()
        assert app.screen.query_one("#code", CudaEditor).text == draft.code


@needs_nvcc
async def test_without_gpu_run_compiles_and_reports_resources(bank: Bank) -> None:
    app = make_app(bank, gpu=False)
    solution = (bank.problem_dir(PROBLEM) / "optimized.cu").read_text(encoding="utf-8")
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        app.open_item(PROBLEM)
        await wait_until(pilot, lambda: app.screen.has_gpu is False)  # type: ignore[attr-defined]
        screen = app.screen
        assert "Compile" in str(screen.query_one("#run", Button).label)
        assert screen.query_one("#bench", Button).disabled
        await wait_until(pilot, lambda: "needs an NVIDIA GPU" in screen_text(app), seconds=10)  # once repainted
        screen.query_one("#code", CudaEditor).load_text(solution)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.last_report is not None)  # type: ignore[attr-defined]
        await pilot.pause()
        report = screen.last_report  # type: ignore[attr-defined]
        assert report.verdict.value == "needs_gpu" and report.compile.ok
        resources = screen.query_one("#resources", DataTable)
        assert resources.row_count == len(report.compile.kernels) >= 1
        assert int(resources.get_row_at(0)[1]) == report.compile.kernels[0].registers > 0
        text = screen_text(app)
        assert "NEEDS GPU" in text and "registers" in text
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert any("needs an NVIDIA GPU" in n.message for n in app._notifications)
    runs = app.services.storage.judge_runs(PROBLEM)
    assert len(runs) == 1 and runs[0].verdict == "needs_gpu" and not runs[0].passed


@needs_nvcc
async def test_compile_error_is_shown_with_its_line(bank: Bank) -> None:
    app = make_app(bank, gpu=False)
    async with app.run_test(size=(100, 32)) as pilot:
        app.open_item(PROBLEM)
        await pilot.pause()
        screen = app.screen
        broken = 'extern "C" void solve(const float* a, const float* b, float* c, int n) {\n    this is not C++;\n}\n'
        screen.query_one("#code", CudaEditor).load_text(broken)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.last_report is not None)  # type: ignore[attr-defined]
        await pilot.pause()
        assert screen.last_report.verdict.value == "compile_error"  # type: ignore[attr-defined]
        assert "line 2" in screen_text(app)


async def test_external_editor_without_editor_set_says_how(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(bank)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.open_item(PROBLEM)
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert any("$EDITOR" in n.message for n in app._notifications)

"""One CUDA problem: the statement, an editor with the starter code (or your draft), run the tests and time the
kernel on the local GPU in a worker, and the results. Without a GPU: compile and the resource report only."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from tutor.records import Answer, JudgeRun
from tutor.widgets.cuda_editor import CudaEditor
from tutor.widgets.judge_results import JudgeResultsView
from tutor.widgets.markdown_text import MarkdownText
from tutor.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from question_bank.models import Question
    from tutor.app import TutorApp
    from tutor.judge.models import JudgeReport

AUTOSAVE_SECONDS = 3.0
NO_GPU = "needs an NVIDIA GPU: compile and resource report only"
RunKind = Literal["check", "all"]


class CudaProblemScreen(Screen[None]):
    CSS_PATH = "cuda_problem.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run('check')", "Run tests", priority=True),
        Binding("ctrl+b", "run('all')", "Benchmark", priority=True),
        Binding("ctrl+o", "external_editor", "$EDITOR"),
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+g", "hint", "Hint"),
        Binding("ctrl+l", "starter", "Starter code"),
        Binding("f2", "tab('statement')", "Statement"),
        Binding("f3", "tab('code')", "Code"),
        Binding("f4", "tab('results')", "Results"),
        Binding("escape", "cancel_or_back", "Cancel/Back"),
    ]

    def __init__(self, question: Question) -> None:
        super().__init__()
        if question.cuda is None:
            raise ValueError(f"{question.id} is not a CUDA coding problem")
        self.question = question
        self.answer = Answer(item_id=question.id)
        self._saved_code: str | None = None
        self._opened_at = time.monotonic()
        self._judging: Worker[None] | None = None
        self.has_gpu: bool | None = None  # None until checked in a worker
        self.last_report: JudgeReport | None = None
        self._starter_code: str | None = None
        self._restored = False
        self._on_gpu = threading.Event()  # set while a job runs in the judge worker: only then does cancel kill it

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    @property
    def editor(self) -> CudaEditor:
        return self.query_one("#code", CudaEditor)

    def compose(self) -> ComposeResult:
        code = self._initial_code()  # first: it loads the draft, whose hints the statement shows
        yield Header()
        with TabbedContent(initial="code-tab", id="tabs"):
            with TabPane("Statement", id="statement-tab"):
                # The statement and results tabs start hidden: mounted just after the first frame, as Textual advises
                yield Lazy(VerticalScroll(MarkdownText(self._statement(), id="statement"), id="statement-scroll"))
            with TabPane("Code", id="code-tab"), Vertical():
                yield CudaEditor(code, id="code")
                with Horizontal(id="actions"):
                    yield Button("Run tests  ctrl+r", id="run", variant="primary", compact=True)
                    yield Button("Benchmark  ctrl+b", id="bench", compact=True)
                    yield Button("Submit  ctrl+s", id="submit", compact=True)
                    yield Button("Cancel  esc", id="cancel", variant="warning", compact=True)
            with TabPane("Results", id="results-tab"):
                yield Lazy(JudgeResultsView(id="results"))
        with Horizontal(id="progress-row"):
            yield Static("", id="phase")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="progress")
        yield StatusLine("ctrl+r run tests  ctrl+b benchmark  ctrl+o $EDITOR  f2/f3/f4 tabs", id="status")
        yield Footer()

    def _statement(self) -> str:
        question = self.question
        assert question.cuda is not None
        parts = [f"# {question.title}", question.prompt.strip()]
        if question.cuda.constraints:
            parts.append("## Constraints\n\n" + "\n".join(f"- {c}" for c in question.cuda.constraints))
        parts.append(f"*{question.difficulty.value} · about {question.time_budget_minutes} min · "
                     f"tests at {len(question.cuda.test_sizes)} sizes · timed at "
                     f"{', '.join(f'{k}={v}' for k, v in question.cuda.benchmark_size.items())}*")
        shown = question.hints[:self.answer.hints_used]
        if shown:
            parts.append("## Hints\n\n" + "\n".join(f"{n}. {hint}" for n, hint in enumerate(shown, 1)))
        return "\n\n".join(parts)

    def _initial_code(self) -> str:
        """The saved draft's code, else the starter. Given to the editor as it is built: loading text afterwards
        would compile the highlighting query a second time."""
        draft = self.tutor.services.storage.latest_draft(self.question.id)
        if draft is not None:
            self.answer = draft
        if draft is not None and draft.code:
            self._saved_code = draft.code
            self._restored = True
            return draft.code
        return self._starter()

    def on_mount(self) -> None:
        self.title = self.question.title
        self.query_one("#cancel", Button).display = False
        self.query_one("#progress-row").display = False
        if self._restored:
            self.notify("Your saved code was restored.", timeout=3)
        self.editor.focus()
        self.set_interval(AUTOSAVE_SECONDS, self.save_draft)
        self._check_gpu()

    def _starter(self) -> str:
        if self._starter_code is None:
            path = self.tutor.services.bank().problem_dir(self.question.id) / "starter.cu"
            try:
                self._starter_code = path.read_text(encoding="utf-8")
            except OSError:
                self._starter_code = '#include <cuda_runtime.h>\n\nextern "C" void solve(/* see the statement */) {\n}\n'
        return self._starter_code

    @work(thread=True, exclusive=True, group="gpu-check", exit_on_error=False)
    def _check_gpu(self) -> None:
        has_gpu = self.tutor.services.has_gpu()
        self.app.call_from_thread(self._gpu_checked, has_gpu)

    def _gpu_checked(self, has_gpu: bool) -> None:
        self.has_gpu = has_gpu
        run, bench = self.query_one("#run", Button), self.query_one("#bench", Button)
        if has_gpu:
            self.tutor.services.judge_worker()  # starts it in the background if the app has not yet
            return
        run.label = "Compile  ctrl+r"
        run.tooltip = NO_GPU
        bench.disabled = True
        bench.label = "Benchmark (no GPU)"
        self.query_one("#status", StatusLine).set_hint(f"No GPU here: {NO_GPU}.")

    # --- drafts ---------------------------------------------------------------------------------------------

    def save_draft(self) -> None:
        try:
            code = self.editor.text
        except Exception:  # the screen is being taken down; the last periodic save stands
            return
        if code == self._saved_code and self.answer.id is not None:
            return
        if self.answer.id is None and code == self._starter() and not self.answer.hints_used:
            return  # nothing of the learner's yet
        now = time.monotonic()
        spent = self.answer.seconds_spent + (now - self._opened_at)
        self._opened_at = now
        try:
            self.answer = self.tutor.services.storage.save_answer(
                self.answer.model_copy(update={"code": code, "seconds_spent": spent}))
        except Exception as error:
            self.tutor.report_error("Your code could not be saved", error)
            return
        self._saved_code = code

    def on_screen_suspend(self) -> None:
        self.save_draft()

    # --- run the judge ----------------------------------------------------------------------------------------

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run("check")

    @on(Button.Pressed, "#bench")
    def _bench_pressed(self) -> None:
        self.action_run("all")

    def action_run(self, what: RunKind) -> None:
        if self._judging is not None and self._judging.is_running:
            self.notify("A run is in progress; esc cancels it.")
            return
        if what == "all" and self.has_gpu is False:
            self.notify(f"Benchmarking {NO_GPU}.", severity="warning")
            return
        self.save_draft()
        self._set_busy(True, "compiling with nvcc…")
        self._judging = self._judge(self.editor.text, what)

    @work(thread=True, exclusive=True, group="judge", exit_on_error=False)
    def _judge(self, source: str, what: RunKind) -> None:
        from tutor.judge.api import DEFAULT_ARCH, judge
        from tutor.judge.compile import compile_answer
        from tutor.judge.launcher import with_launcher

        worker = get_current_worker()
        services = self.tutor.services
        question = self.question
        assert question.cuda is not None
        try:
            problem_dir = services.bank().problem_dir(question.id)
            judge_worker = services.judge_worker()
            if judge_worker is not None and services.judge_worker_starting:
                self.app.call_from_thread(self._set_phase, "compiling, while the judge worker starts on the GPU "
                                          "(the first start measures the device's peaks)…")
            arch = services.gpu_arch() or DEFAULT_ARCH
            # Compiling first (the judge reuses this build from its cache) lets the progress line name the phase.
            compile_answer(with_launcher(source, question.cuda), arch, services.judge_cache_dir / "builds",
                           list(question.cuda.allowed_libraries))
            if worker.is_cancelled:
                return
            if judge_worker is not None:
                if services.judge_worker_starting:
                    self.app.call_from_thread(self._set_phase, "waiting for the judge worker to start on the GPU "
                                              "(the first start measures the device's peaks)…")
                    services.judge_worker(wait=True)
                if worker.is_cancelled:
                    return
                phase = "running the tests on the GPU…" if what == "check" else \
                    "running the tests, then timing yours, naive, optimized and torch (tens of seconds)…"
                self.app.call_from_thread(self._set_phase, phase)
                self._on_gpu.set()
            report = judge(question, problem_dir, source, what, cache_dir=services.judge_cache_dir, worker=judge_worker)
        except Exception as error:  # a judge failure is a notification with the way out, never a traceback
            if not worker.is_cancelled:
                self.app.call_from_thread(self._judge_failed, error)
            return
        finally:
            self._on_gpu.clear()
        if worker.is_cancelled:
            return  # the learner stopped it: nothing to store or show
        try:
            services.storage.add_judge_run(JudgeRun(problem_id=question.id, answer_id=self.answer.id,
                                                    source_hash=report.source_hash, passed=report.passed,
                                                    verdict=report.verdict.value, report=report.model_dump(mode="json")))
        except Exception as error:
            self.app.call_from_thread(self.tutor.report_error, "The run could not be stored", error)
        self.app.call_from_thread(self._judged, report)

    def _judged(self, report: JudgeReport) -> None:
        self._set_busy(False)
        self.last_report = report
        self.query_one("#results", JudgeResultsView).show(report)
        self.action_tab("results")
        severity: Literal["information", "warning"] = \
            "information" if report.passed or report.verdict.value == "needs_gpu" else "warning"
        first = report.summary.split(". ")[0]
        self.notify(f"{report.verdict.value.replace('_', ' ')}: {first}", severity=severity, timeout=6)

    def _judge_failed(self, error: Exception) -> None:
        self._set_busy(False)
        fix = _judge_fix(error)
        self.tutor.report_error("The judge could not run", RuntimeError(f"{error}. {fix}" if fix else str(error)))

    def _set_busy(self, busy: bool, phase: str = "") -> None:
        self.query_one("#progress-row").display = busy
        self.query_one("#cancel", Button).display = busy
        for name in ("run", "bench", "submit"):
            self.query_one(f"#{name}", Button).disabled = busy or (name == "bench" and self.has_gpu is False)
        self._set_phase(phase)

    def _set_phase(self, phase: str) -> None:
        self.query_one("#phase", Static).update(phase)

    def action_cancel_or_back(self) -> None:
        if self._judging is not None and self._judging.is_running:
            self._judging.cancel()
            judge_worker = self.tutor.services.judge_worker() if self.has_gpu else None
            if judge_worker is not None and self._on_gpu.is_set():
                judge_worker.cancel()  # the running job stops; the worker is replaced on the next run
            self._set_busy(False)
            self.notify("Run cancelled.")
            return
        self.save_draft()
        self.app.pop_screen()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel_or_back()

    # --- submit for scoring -----------------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        source = self.editor.text
        report = self.last_report
        if report is None or report.source_hash != hashlib.sha256(source.encode()).hexdigest():
            self.notify("Run the tests on this version of your code first (ctrl+r); the score folds in the verdict.",
                        severity="warning")
            return
        self.save_draft()
        self._set_busy(True, "scoring your answer…")
        self._score(self.answer, source, report)

    @work(thread=True, exclusive=True, group="score", exit_on_error=False)
    def _score(self, answer: Answer, source: str, report: JudgeReport) -> None:
        services = self.tutor.services
        try:
            from rubrics.scoring import score_answer
            from tutor.screens.question import schedule_review

            card = score_answer(self.question, source, llm=services.llm(), embedder=services.embedder(),
                                judge_report=report, code=source, hints_used=answer.hints_used)
            submitted = services.storage.submit_answer(answer.model_copy(update={"code": source}))
            services.storage.add_score_card(card, submitted.id)
            schedule_review(services.storage, self.question.id, card.overall)
        except ImportError:
            self.app.call_from_thread(self._score_failed, "Scoring is not built yet (rubrics/scoring.py is missing).")
            return
        except Exception as error:
            message = getattr(error, "user_message", None) or f"{type(error).__name__}: {error}"
            self.app.call_from_thread(self._score_failed, f"Scoring failed ({message}); your code is kept.")
            return
        self.app.call_from_thread(self._scored, card)

    def _score_failed(self, message: str) -> None:
        self._set_busy(False)
        self.notify(message, severity="error", timeout=12)

    def _scored(self, card: object) -> None:
        from tutor.screens.question import ScoreResultScreen

        self._set_busy(False)
        self.answer = Answer(item_id=self.question.id, code=self.editor.text, hints_used=self.answer.hints_used)
        self._saved_code = None
        self.app.push_screen(ScoreResultScreen(card, self.question))  # type: ignore[arg-type]

    # --- editor, hints, tabs --------------------------------------------------------------------------------

    def action_external_editor(self) -> None:
        """Edit in $VISUAL or $EDITOR; the app is suspended meanwhile and the file is read back after."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not command:
            self.notify("Set $EDITOR (for example `export EDITOR=vim`) to edit in your own editor.", severity="warning")
            return
        self.save_draft()
        folder = self.tutor.services.settings.data_dir / "edits"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.question.id}.cu"
        path.write_text(self.editor.text, encoding="utf-8")
        try:
            with self.app.suspend():
                result = subprocess.run([*shlex.split(command), str(path)], check=False)
        except Exception as error:  # SuspendNotSupported (e.g. a web terminal), or the editor is not found
            self.notify(f"Could not open {command}: {error}", severity="error")
            return
        self._read_back(path, result.returncode, command)

    def _read_back(self, path: Path, returncode: int, command: str) -> None:
        text = path.read_text(encoding="utf-8")
        if returncode != 0:
            self.notify(f"{command} exited with status {returncode}; its file was still read back.", severity="warning")
        if text != self.editor.text:
            self.editor.replace(text, (0, 0), self.editor.document.end)  # undoable with ctrl+z
            self.save_draft()
            self.notify("Code read back from your editor.", timeout=3)

    def action_starter(self) -> None:
        self.editor.replace(self._starter(), (0, 0), self.editor.document.end)  # undoable with ctrl+z
        self.notify("Starter code loaded; ctrl+z brings your code back.", timeout=5)

    def action_hint(self) -> None:
        if self.answer.hints_used >= len(self.question.hints):
            self.notify("No more hints for this problem." if self.question.hints else "This problem has no hints.")
            return
        self.answer = self.answer.model_copy(update={"hints_used": self.answer.hints_used + 1})
        self._saved_code = None  # force a save: the hint count is part of the answer
        self.save_draft()
        self._refresh_statement()
        self.action_tab("statement")
        self.notify("Hint added at the end of the statement; hints lower the score a little.", timeout=4)

    def _refresh_statement(self) -> None:
        self.query_one("#statement", MarkdownText).update_markdown(self._statement())

    def action_tab(self, name: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"{name}-tab"
        if name == "code":
            self.editor.focus()


def _judge_fix(error: Exception) -> str:
    text = str(error)
    if isinstance(error, FileNotFoundError) or "nvcc" in text:
        return "Install the CUDA toolkit so that nvcc is on PATH."
    if "WorkerFailure" in type(error).__name__ or "worker" in text:
        return "The judge worker was replaced; run again."
    return "Your code is saved; try the run again, or report this with the problem id."

"""The full-screen app: a shell of screens over `Services`.

Startup is kept light: this module imports Textual and the configuration only. The database, the bank, the LLM
client, the embedding model and the judge worker are brought up by thread workers after the first frame, one step at
a time, with the step shown in the status line of the app's screens. Screens are imported when first opened.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState, get_current_worker

from tutor.config import ConfigError, Settings, home_dirs, load_settings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.command import Provider

    from tutor.services import Services

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"
STARTUP_PROBE = "TUTOR_STARTUP_PROBE"  # set to a file path: the app writes the time of its first frame there and exits


class ScreenEntry(NamedTuple):
    module: str
    cls: str
    title: str
    description: str
    needs: str | None = None  # why it cannot be opened by name alone, as advice; None when it can


SCREENS_BY_NAME: dict[str, ScreenEntry] = {
    "home": ScreenEntry("tutor.screens.home", "HomeScreen", "Home", "the three jobs and progress at a glance"),
    "interview_setup": ScreenEntry("tutor.screens.interview_setup", "InterviewSetupScreen", "Mock interview",
                                   "pick a format and an interviewer, then start a timed interview"),
    "interview": ScreenEntry("tutor.screens.interview", "InterviewScreen", "Interview", "the interview in progress",
                             needs="An interview starts from the mock interview set-up (press i on Home)."),
    "scorecard": ScreenEntry("tutor.screens.scorecard", "ScorecardScreen", "Scorecard", "the last interview's scorecard",
                             needs="A scorecard appears when an interview ends; the gap report holds every past score."),
    "practice": ScreenEntry("tutor.screens.practice", "PracticeScreen", "Practice",
                            "browse and search the bank; answer one question or solve one CUDA problem"),
    "question": ScreenEntry("tutor.screens.question", "QuestionScreen", "Question", "answer one question",
                            needs="Pick a question in Practice (press p on Home), then Enter."),
    "cuda_problem": ScreenEntry("tutor.screens.cuda_problem", "CudaProblemScreen", "CUDA problem", "solve one CUDA problem",
                                needs="Pick a CUDA problem in Practice (press p on Home), then Enter."),
    "gap_report": ScreenEntry("tutor.screens.gap_report", "GapReportScreen", "Gap report",
                              "mastery by module and topic, what to study next, readiness; export"),
    "progress": ScreenEntry("tutor.screens.progress", "ProgressScreen", "Progress",
                            "score trend, problems solved, streak, the self-assessment matrix"),
    "settings": ScreenEntry("tutor.screens.settings", "SettingsScreen", "Settings",
                            "provider and model, key status, GPU and measured peaks, data directory"),
}


# Screens made once and kept (installed): built off-stage while Home is idle (`_prebuild_screens`), so opening one
# costs a layout and a repaint, not a compose and a first styling (tens of ms instead of hundreds on two cores), and
# they keep their state (Practice its search and filters, the set-up its choices). Each refreshes its data when shown.
KEPT_SCREENS = ("practice", "interview_setup", "gap_report", "progress", "settings")


class ScreenNotBuilt(Exception):
    """A screen's module is not in this build yet."""


def screen_class(name: str) -> type[Screen[Any]]:
    """The screen class registered under `name`, imported now. Raises KeyError or ScreenNotBuilt."""
    entry = SCREENS_BY_NAME[name]
    try:
        module = importlib.import_module(entry.module)
    except ModuleNotFoundError as error:
        if error.name == entry.module:
            raise ScreenNotBuilt(f"The {entry.title} screen is not built yet.") from None
        raise
    screen: type[Screen[Any]] | None = getattr(module, entry.cls, None)
    if screen is None:
        raise ScreenNotBuilt(f"The {entry.title} screen is not built yet ({entry.module} has no {entry.cls}).")
    return screen


class TutorApp(App[None]):
    """Keyboard-first: every action has a key on its screen and an entry in the command palette (ctrl+p)."""

    CSS_PATH = "app.tcss"
    TITLE = "GPU interview tutor"
    COMMANDS = App.COMMANDS | {lambda: _bank_items_provider()}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "open('home')", "Home", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
    ]

    # What the background start-up is doing now; "" when done. Screens show it in their status line.
    status_text: reactive[str] = reactive("")

    def __init__(self, services: Services | None = None, *, settings: Settings | None = None,
                 warm_up: bool = True, prebuild: bool | None = None) -> None:
        """`services` ready-made (tests) or None: built in a worker after the first frame. `warm_up=False` skips
        loading the embedding model, LLM and judge worker in the background (tests and screenshots). `prebuild`
        (default: as `warm_up`) builds the kept screens off-stage after start-up."""
        self._services = services
        self._owns_services = services is None
        self._services_lock = threading.Lock()
        self.services_error: str | None = None
        self.warm_up = warm_up
        self.prebuild = warm_up if prebuild is None else prebuild
        self.settings, settings_problem = (settings, None) if settings is not None else _settings_or_defaults()
        if services is not None:
            self.settings = services.settings
        self._settings_problem = settings_problem
        super().__init__()
        self.theme = LIGHT_THEME if self.settings.theme == "light" else DARK_THEME
        self.started_at = time.perf_counter()
        self.steps_done: dict[str, float] = {}  # start-up step -> seconds after start, for the benchmark and Settings
        self._run_marker: Path | None = None  # this run's marker (tutor.app_runs), removed when the app closes

    # --- services ---------------------------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        """Built on first use if the start-up worker has not got there yet (it blocks for about 0.2 s)."""
        with self._services_lock:
            if self._services is None:
                from tutor.services import Services

                self._services = Services(self.settings)
            return self._services

    @property
    def services_ready(self) -> bool:
        return self._services is not None

    # --- start-up ---------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(screen_class("home")())
        if self._settings_problem:
            self.notify(self._settings_problem, title="Settings ignored", severity="error", timeout=20)
        probe = os.environ.get(STARTUP_PROBE)
        if probe:
            self.call_after_refresh(self._write_probe, probe)
            return
        self.call_after_refresh(self._start_background)

    def _write_probe(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"{time.time():.6f}\n")
        self.exit()

    def _start_background(self) -> None:
        self.steps_done["first_frame"] = time.perf_counter() - self.started_at
        self._background_start()

    @work(thread=True, exclusive=True, group="startup", exit_on_error=False)
    def _background_start(self) -> None:
        """Each step in turn; a failing step says what to do and the next step still runs."""
        worker = get_current_worker()
        steps: list[tuple[str, str, Any]] = [
            ("database", "opening the database…", self._open_database),
            ("bank", "loading the question bank…", lambda: self.services.bank()),
            ("screens", "preparing the screens…", self._prepare_screens),
            ("resume", "", self._offer_resume),
            ("llm", "setting up the language model…", lambda: self.services.llm()),
            ("gpu", "looking for an NVIDIA GPU…", self._start_judge_worker),
            ("embedder", "loading the embedding model (first time: a few seconds)…", lambda: self.services.embedder().warm()),
            ("heap", "", _freeze_long_lived_objects),
        ]
        if not self.warm_up:
            steps = steps[:4]
        for name, status, step in steps:
            if worker.is_cancelled or (self.services_error and name != "database"):
                break
            self.call_from_thread(self._set_status, status)
            try:
                step()
            except Exception as error:  # every part's failure becomes a notification with the fix
                self.call_from_thread(self.report_error, f"Start-up step '{name}' failed", error)
            self.steps_done[name] = time.perf_counter() - self.started_at
            self.call_from_thread(self._step_finished, name)
        self.call_from_thread(self._set_status, "")

    def _open_database(self) -> None:
        from tutor.storage import StorageError

        try:
            self.services  # noqa: B018 - builds Services, which opens the database
        except StorageError as error:
            self.services_error = str(error)
            self.call_from_thread(self.notify, str(error), title="Database not opened", severity="error", timeout=60)

    def _prepare_screens(self) -> None:
        """Import every screen and read its stylesheet now, while the user looks at Home, so that opening a screen
        later does not re-parse the app's CSS (Textual re-parses all of it whenever a screen brings a new file)."""
        paths: list[Path] = []
        for name in SCREENS_BY_NAME:
            try:
                screen = screen_class(name)
            except Exception:  # a screen that cannot be imported says so when it is opened
                continue
            css = screen.CSS_PATH
            if isinstance(css, str | Path) and not Path(css).is_absolute():
                paths.append(Path(inspect.getfile(screen)).parent / css)
        self.call_from_thread(self._read_screen_css, paths)

    def _read_screen_css(self, paths: list[Path]) -> None:
        added = False
        for path in paths:
            if path.is_file() and not self.stylesheet.has_source(str(path), ""):
                self.stylesheet.read(path)
                added = True
        if added:
            self.stylesheet.reparse()
            self.stylesheet.update(self)
        self.call_after_refresh(self._warm_widget_css)

    async def _warm_widget_css(self) -> None:
        """Mount one hidden instance of each widget type the screens use, then remove them: each type's default CSS
        is added to the stylesheet once, now, instead of on the first opening of the screen that uses it."""
        from textual.containers import Container
        from textual.widgets import Button, DataTable, Input, Label, Markdown, ProgressBar, Select, TabbedContent, TextArea

        from tutor.widgets.cuda_editor import CudaEditor
        from tutor.widgets.judge_results import JudgeResultsView

        holder = Container(Input(), Select([("a", "a")]), DataTable(), TextArea(), Markdown("# a\n\n- b\n\n`c`"), Button("b"),
                           Label("l"), TabbedContent(), ProgressBar(), CudaEditor(), JudgeResultsView())
        holder.display = False
        try:
            await self.screen.mount(holder)
            await holder.remove()
        except Exception as error:  # only a speed-up: never let it bother the user
            self.log.warning("widget CSS warm-up failed", repr(error))
        if self.prebuild:
            self._prebuild_screens()

    @work(exclusive=True, group="prebuild", exit_on_error=False)
    async def _prebuild_screens(self) -> None:
        """Compose and mount each kept screen off-stage, one at a time with the event loop free in between, so a key
        pressed meanwhile waits for one screen's build at most."""
        for name in (*KEPT_SCREENS, "question"):
            if self.services_error or get_current_worker().is_cancelled:
                return
            try:
                screen = self._kept_screen(name)
                if not screen.is_running:
                    # Textual mounts a screen when it is first pushed; this is that same step, taken early.
                    await AwaitMount(screen, self._register(self, screen))
                    screen._refresh_layout(self.size)
            except Exception as error:  # only a speed-up: the screen is built when opened instead
                self.log.warning(f"building the {name} screen ahead failed", repr(error))
            await asyncio.sleep(0.05)
        self.steps_done["screens_built"] = time.perf_counter() - self.started_at

    def _kept_screen(self, name: str) -> Screen[Any]:
        """The kept screen `name`, made and installed on first use (the question screen with any question: it is
        refilled when an item is opened)."""
        if not self.is_screen_installed(name):
            if name == "question":
                from tutor.screens.question import QuestionScreen

                placeholder = next(question for question in self.services.bank() if question.cuda is None)
                self.install_screen(QuestionScreen(placeholder), name)
            else:
                self.install_screen(screen_class(name)(), name)
        return self.get_screen(name)

    def _offer_resume(self) -> None:
        """Interviews that did not finish, and, if the last run never closed, the practice drafts written in it."""
        from interviewers.session import SessionEngine
        from tutor.app_runs import begin_run, interrupted_drafts

        storage = self.services.storage
        self._run_marker, interrupted_since = begin_run(self.services.settings.data_dir)
        unfinished = SessionEngine.unfinished(storage)
        drafts = interrupted_drafts(storage, interrupted_since) if interrupted_since else []
        drafts = [draft for draft in drafts if draft.item_id in self.services.bank().questions]  # items still there
        if unfinished or drafts:
            self.call_from_thread(self._push_resume, unfinished, drafts)

    def _push_resume(self, sessions: list[Any], drafts: list[Any]) -> None:
        from tutor.screens.resume import ResumeScreen

        self.push_screen(ResumeScreen(sessions, drafts))

    def _start_judge_worker(self) -> None:
        if self.services.judge_worker() is None:
            return
        self.call_from_thread(self._set_status, "starting the judge worker on the GPU (first time: measures peaks)…")

    def _set_status(self, text: str) -> None:
        self.status_text = text

    def _step_finished(self, name: str) -> None:
        """Screens that show data from a step refresh themselves on this message."""
        self.screen.post_message(StartupStepDone(name))

    def cancel_background(self) -> None:
        """Stop the start-up steps that have not begun (a step in progress finishes: imports cannot be interrupted)."""
        self.workers.cancel_group(self, "startup")
        self.status_text = ""
        self.notify("Background loading stopped; what is needed loads when you use it.", timeout=4)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(f"{event.worker.name} failed", event.worker.error)

    # --- errors ---------------------------------------------------------------------------------------------

    def report_error(self, what: str, error: BaseException) -> None:
        """A notification that says what failed and, where known, the fix; never a traceback on screen."""
        message = getattr(error, "user_message", None) or str(error) or type(error).__name__
        self.log.error(what, repr(error))
        self.notify(f"{message}", title=what, severity="error", timeout=12)

    # --- navigation -----------------------------------------------------------------------------------------

    def action_open(self, name: str) -> None:
        """Open a screen by its registered name (see SCREENS_BY_NAME)."""
        entry = SCREENS_BY_NAME.get(name)
        if entry is None:
            self.notify(f"No screen called '{name}'.", severity="error")
            return
        if entry.needs:
            self.notify(entry.needs, title=entry.title, timeout=6)
            return
        if self.services_error and name != "home":
            self.notify(self.services_error, title="Database not opened", severity="error", timeout=20)
            return
        try:
            screen = screen_class(name)
        except ScreenNotBuilt as error:
            self.notify(str(error), title=entry.title, severity="warning")
            return
        if name == "home":
            self._pop_to_home()
            return
        if type(self.screen) is screen:
            return
        if name not in KEPT_SCREENS:
            self.push_screen(screen())
            return
        self._bring_up(name)

    def _bring_up(self, name: str) -> None:
        """Shows the kept screen `name`: back down to it if it is in the stack, rather than stacking it twice."""
        kept = self._kept_screen(name)
        if kept in self.screen_stack:
            while self.screen is not kept:
                self.pop_screen()
            return
        self.push_screen(name)

    def open_item(self, item_id: str) -> None:
        """Open one bank item: the CUDA editor for coding problems, the answer screen for the rest (one kept
        instance, refilled for each question)."""
        question = self.services.bank().get(item_id)
        name = "cuda_problem" if question.cuda is not None else "question"
        try:
            screen = screen_class(name)
        except ScreenNotBuilt as error:
            self.notify(str(error), severity="warning")
            return
        if name != "question":
            self.push_screen(screen(question))  # type: ignore[arg-type]  # item screens take the question
            return
        from tutor.screens.question import QuestionScreen

        self._kept_screen(name)
        self.get_screen(name, QuestionScreen).show_question(question)
        self._bring_up(name)

    def _pop_to_home(self) -> None:
        while len(self.screen_stack) > 2:  # the default screen, then Home
            self.pop_screen()

    # --- theme ----------------------------------------------------------------------------------------------

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme != LIGHT_THEME else DARK_THEME
        from tutor.services import save_config_values

        try:
            save_config_values({"theme": "light" if self.theme == LIGHT_THEME else "dark"})
        except (OSError, ConfigError) as error:
            self.notify(f"The theme changed but was not saved: {error}", severity="warning")

    # --- command palette ------------------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from tutor.commands import app_commands

        yield from app_commands(self, screen)
        yield from super().get_system_commands(screen)

    def on_unmount(self) -> None:
        if self._run_marker is not None:
            from tutor.app_runs import end_run

            end_run(self._run_marker)
        if self._services is not None and self._owns_services:
            self._services.close()  # services passed in (tests) belong to the caller


class StartupStepDone(Message):
    """A start-up step finished (name: database, bank, resume, llm, gpu, embedder)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


def _freeze_long_lived_objects() -> None:
    """Moves what start-up loaded (the bank, torch, the embedding model: a million objects) out of the garbage
    collector's reach. Without this every full collection walks all of it, a 100-400 ms stall of the UI that lands on
    whatever the user does next; with it a full collection only walks what was made since. No collection first: that
    would itself stall the UI for as long, and what start-up leaves as cyclic garbage is small."""
    gc.freeze()


def _bank_items_provider() -> type[Provider]:
    from tutor.commands import BankItemsProvider

    return BankItemsProvider


def _settings_or_defaults() -> tuple[Settings, str | None]:
    """A broken config file must not keep the app from starting: defaults, and a notification naming the file."""
    try:
        return load_settings()[0], None
    except ConfigError as error:
        return Settings(data_dir=home_dirs()[1]), f"{error}. Using the defaults until it is fixed."


def run() -> int:
    TutorApp().run()
    return 0

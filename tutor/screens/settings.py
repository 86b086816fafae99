"""Settings: provider and model (editable, saved to config.toml), key status (masked), GPU and measured peaks,
where the data lives. API keys are never shown, edited or written from here."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from tutor.config import ConfigError, config_path, load_settings, mask
from tutor.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tutor.app import TutorApp
    from tutor.judge.models import DevicePeaks

PROVIDERS = [("auto: Anthropic if a key is set, else litellm if a model is set, else offline", "auto"),
             ("anthropic", "anthropic"), ("litellm", "litellm"), ("offline", "offline")]


class SettingsScreen(Screen[None]):
    CSS_PATH = "settings.tcss"
    TITLE = "Settings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        settings = self.tutor.services.settings
        yield Header()
        with VerticalScroll(id="settings"):
            yield Static("Language model", classes="section-title")
            with Horizontal(classes="field"):
                yield Label("provider", classes="field-label")
                yield Select(PROVIDERS, value=settings.provider, allow_blank=False, id="provider", compact=True)
            with Horizontal(classes="field"):
                yield Label("Anthropic model", classes="field-label")
                yield Input(settings.anthropic_model, id="anthropic_model", compact=True)
            with Horizontal(classes="field"):
                yield Label("litellm model", classes="field-label")
                yield Input(settings.litellm_model or "", placeholder="e.g. openai/gpt-4o or ollama/llama3.1",
                            id="litellm_model", compact=True)
            with Horizontal(classes="field"):
                yield Label("target role", classes="field-label")
                yield Input(settings.target_role, id="target_role", compact=True)
            yield Button("Save  ctrl+s", id="save", variant="primary", compact=True)
            yield Static(id="key-status")
            yield Static(id="llm-status", classes="muted")
            yield Static("GPU", classes="section-title")
            yield Static("Checking for a GPU…", id="gpu-status")
            yield Static(id="peaks")
            yield Static("Data", classes="section-title")
            yield Static(id="paths")
        yield StatusLine("API keys: from the environment or the config file; never shown in full.", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#provider", Select).focus()

    def on_screen_resume(self) -> None:
        """Kept between visits (and possibly built before the first): show the saved values (unsaved edits are
        dropped) and fresh statuses each time the screen is shown."""
        settings = self.tutor.services.settings
        self.query_one("#provider", Select).value = settings.provider
        self.query_one("#anthropic_model", Input).value = settings.anthropic_model
        self.query_one("#litellm_model", Input).value = settings.litellm_model or ""
        self.query_one("#target_role", Input).value = settings.target_role
        self._show_static_parts()
        self._check_gpu()

    def _show_static_parts(self) -> None:
        services = self.tutor.services
        settings = services.settings
        try:
            _settings, sources = load_settings()
        except ConfigError:
            sources = {}
        key_source = sources.get("anthropic_api_key", "default")
        where = "" if key_source == "default" else f" (from {key_source})"
        self.query_one("#key-status", Static).update(Text.assemble(
            ("Anthropic API key: ", "bold"), mask(settings.anthropic_api_key) + where,
            "\nOther providers' keys (OPENAI_API_KEY, ...) are read by litellm from the environment.",
            f"\nIn use now: {settings.effective_provider()}"))
        self._show_llm_status()
        paths = Table.grid(padding=(0, 2))
        paths.add_row(Text("config file", style="bold"), f"{config_path()}" +
                      ("" if config_path().is_file() else " (not present: defaults in use)"))
        paths.add_row(Text("data directory", style="bold"), str(settings.data_dir))
        paths.add_row(Text("database", style="bold"), str(settings.database_path))
        paths.add_row(Text("judge builds", style="bold"), str(services.judge_cache_dir))
        self.query_one("#paths", Static).update(paths)

    @work(thread=True, exclusive=True, group="settings-llm", exit_on_error=False)
    def _show_llm_status(self) -> None:
        line = self.tutor.services.llm().status_line
        self.app.call_from_thread(self.query_one("#llm-status", Static).update, line)

    @work(thread=True, exclusive=True, group="settings-gpu", exit_on_error=False)
    def _check_gpu(self) -> None:
        services = self.tutor.services
        status, peaks = services.gpu_status(), services.measured_peaks()
        self.app.call_from_thread(self._show_gpu, status, peaks)

    def _show_gpu(self, status: str, peaks: list[DevicePeaks]) -> None:
        self.query_one("#gpu-status", Static).update(status)
        if not peaks:
            self.query_one("#peaks", Static).update(Text(
                "No measured peaks yet: the judge measures them the first time it starts on a GPU.", style="italic"))
            return
        table = Table(title="Measured peaks (the judge's cache)", title_justify="left", expand=False)
        for column in ("device", "cc", "SMs", "DRAM GB/s", "FP32 TFLOP/s", "FP16 TC", "BF16 TC", "INT8 TOPS", "measured"):
            table.add_column(column)
        for p in peaks:
            table.add_row(p.device, p.compute_capability, str(p.sm_count), f"{p.dram_bandwidth_gbs:,.0f}",
                          f"{p.fp32_tflops:.1f}", f"{p.fp16_tensor_tflops:.0f}", f"{p.bf16_tensor_tflops:.0f}",
                          f"{p.int8_tensor_tops:.0f}", p.measured_at[:16])
        self.query_one("#peaks", Static).update(table)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from tutor.services import save_config_values

        provider = self.query_one("#provider", Select).value
        updates: dict[str, str | None] = {
            "provider": str(provider),
            "anthropic_model": self.query_one("#anthropic_model", Input).value.strip() or None,
            "litellm_model": self.query_one("#litellm_model", Input).value.strip() or None,
            "target_role": self.query_one("#target_role", Input).value.strip() or None,
        }
        try:
            path = save_config_values(updates)
            settings, _sources = load_settings()
        except (ConfigError, OSError) as error:
            self.notify(str(error), title="Not saved", severity="error", timeout=12)
            return
        services = self.tutor.services
        services.settings = settings
        self.tutor.settings = settings
        services.reset_llm()
        self._show_static_parts()
        self.notify(f"Saved to {path}. Environment variables still take precedence over the file.", timeout=6)

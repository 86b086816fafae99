"""One line at the foot of a screen: what the app is loading in the background, and a hint of keys."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static


class StatusLine(Static):
    """Shows `TutorApp.status_text` while background start-up runs; the screen's own hint when idle."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; background: $boost; }
    StatusLine.-busy { color: $warning; }
    """

    def __init__(self, hint: str = "", **kwargs: Any) -> None:
        super().__init__(hint, markup=False, **kwargs)
        self.hint = hint

    def on_mount(self) -> None:
        if hasattr(self.app, "status_text"):
            self.watch(self.app, "status_text", self._show, init=True)

    def _show(self, status: str) -> None:
        self.set_class(bool(status), "-busy")
        self.update(f"⏳ {status}" if status else self.hint)

    def set_hint(self, hint: str) -> None:
        self.hint = hint
        self._show(getattr(self.app, "status_text", ""))

"""The phase clock of an interview: time left in the current phase as mm:ss, warning colour at two minutes."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

WARNING_SECONDS = 120.0


def format_clock(seconds: float) -> str:
    """mm:ss of the whole seconds left (never negative; an overrun reads 00:00)."""
    whole = max(0, int(seconds + 0.999))  # 59.2 s left still shows 01:00 until a full second has gone
    return f"{whole // 60:02d}:{whole % 60:02d}"


class PhaseClock(Static):
    """Shows the seconds left; the app sets `seconds_left` on every engine tick and `paused` on pause."""

    DEFAULT_CSS = """
    PhaseClock {
        width: auto;
        min-width: 13;
        padding: 0 1;
        text-style: bold;
        background: $success 30%;
        color: $text;
        content-align: center middle;
    }
    PhaseClock.-warning { background: $warning 60%; }
    PhaseClock.-over { background: $error 60%; }
    PhaseClock.-paused { background: $panel; color: $text-muted; }
    """

    seconds_left: reactive[float | None] = reactive(None)
    paused: reactive[bool] = reactive(False)

    def render(self) -> str:
        if self.seconds_left is None:
            return "--:--"
        text = format_clock(self.seconds_left)
        return f"⏸ {text}" if self.paused else f"⏱ {text}"

    def watch_seconds_left(self, seconds: float | None) -> None:
        self._restyle()

    def watch_paused(self, paused: bool) -> None:
        self._restyle()

    def _restyle(self) -> None:
        seconds = self.seconds_left
        self.set_class(seconds is not None and 0 < seconds <= WARNING_SECONDS, "-warning")
        self.set_class(seconds is not None and seconds <= 0, "-over")
        self.set_class(self.paused, "-paused")

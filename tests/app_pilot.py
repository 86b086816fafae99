"""Helpers for the app's pilot tests: a ready app over an isolated home, and the screen's text as a user sees it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from textual.pilot import Pilot

from question_bank.loader import Bank
from tutor.app import TutorApp
from tutor.config import load_settings
from tutor.services import Services


def make_app(bank: Bank, *, gpu: bool | None = False) -> TutorApp:
    """The real app over the test's TUTOR_HOME, with the session's bank and (by default) no GPU."""
    settings, _ = load_settings()
    return TutorApp(Services(settings, bank=bank, gpu=gpu), warm_up=False)


_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                   r'clip-path="url\(#[^)]*line-(\d+)\)">(.*?)</text>')


def screen_text(app: TutorApp) -> str:
    """The visible screen as plain text, one line per terminal row (from Textual's own SVG export)."""
    rows: dict[int, list[tuple[float, str]]] = {}
    for match in _TEXT.finditer(app.export_screenshot()):
        rows.setdefault(int(match.group(2)), []).append((float(match.group(1)), html.unescape(match.group(3))))
    lines = []
    for row in sorted(rows):
        line = ""
        for x, text in sorted(rows[row]):
            line = line.ljust(round(x / 12.2)) + text
        lines.append(line.replace("\xa0", " ").rstrip())
    return "\n".join(lines)


async def wait_until(pilot: Pilot[None], condition: Callable[[], object], seconds: float = 120.0) -> None:
    """Lets the app run until `condition()` is true; fails the test after `seconds`."""
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError(f"condition not met within {seconds:.0f} s")

"""Command palette entries: every screen, every action of the screen in front, the app's own actions, and a
provider that opens any bank item by fuzzy title."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.screen import Screen

    from tutor.app import TutorApp

# Actions that the palette lists already, or that make no sense there.
SKIPPED_ACTIONS = {"app.quit", "quit", "command_palette", "app.command_palette", "app.pop_screen"}


def app_commands(app: TutorApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    from tutor.app import SCREENS_BY_NAME

    for name, entry in SCREENS_BY_NAME.items():
        if entry.needs is None:
            yield SystemCommand(f"Open {entry.title}", entry.description.capitalize(), partial(app.action_open, name))
    yield SystemCommand("Toggle light/dark theme", "Switch between the light and the dark theme (ctrl+t)",
                        app.action_toggle_theme)
    if app.status_text:
        yield SystemCommand("Stop background loading", f"Now: {app.status_text}", app.cancel_background)
    yield from screen_action_commands(screen)


def screen_action_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """One entry per described binding of the screen in front (run tests, benchmark, export...)."""
    seen: set[str] = set()
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        action = binding.action
        if action in SKIPPED_ACTIONS or action.startswith("app.open(") or action in seen:
            continue
        seen.add(action)
        key = binding.key.split(",")[0]
        title = getattr(screen, "TITLE", None) or type(screen).__name__
        yield SystemCommand(f"{binding.description}", f"{title}: key {key}", partial(screen.run_action, action))


class BankItemsProvider(Provider):
    """'Open <item title>' for every bank item, fuzzy-matched on title and id. Silent until the bank is loaded."""

    def _items(self) -> list[tuple[str, str, str]]:
        app: TutorApp = self.app  # type: ignore[assignment]
        if not getattr(app, "services_ready", False) or not app.services.bank_loaded:
            return []
        bank = app.services.bank()
        return [(question.id, question.title, f"{question.category.value} · {question.difficulty.value}")
                for question in bank]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: TutorApp = self.app  # type: ignore[assignment]
        for item_id, title, about in self._items():
            score = max(matcher.match(title), matcher.match(item_id))
            if score > 0:
                yield Hit(score * 0.9, matcher.highlight(f"Open: {title}"), partial(app.open_item, item_id),
                          help=f"{item_id} · {about}")

    async def discover(self) -> Hits:
        return
        yield  # a generator that yields nothing: items show only when searched

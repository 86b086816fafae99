"""Markdown drawn as one widget: a problem statement or question prompt, read but not navigated.

Textual's `Markdown` widget mounts a widget per block (a CUDA statement makes about twenty), which is most of the
cost of opening a problem; rich's Markdown renders the same text in one Static. Code blocks follow the app theme.
"""

from __future__ import annotations

from typing import Any

from rich.markdown import Markdown as RichMarkdown
from textual.widgets import Static


class MarkdownText(Static):
    """Static Markdown text; `update_markdown` replaces it."""

    DEFAULT_CSS = """
    MarkdownText { height: auto; }
    """

    def __init__(self, markdown: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.markdown = markdown

    def on_mount(self) -> None:
        self._render_markdown()
        self.watch(self.app, "theme", lambda _theme: self._render_markdown(), init=False)

    def update_markdown(self, markdown: str) -> None:
        self.markdown = markdown
        self._render_markdown()

    def _render_markdown(self) -> None:
        code_theme = "monokai" if self.app.current_theme.dark else "default"
        self.update(RichMarkdown(self.markdown, code_theme=code_theme, hyperlinks=True))

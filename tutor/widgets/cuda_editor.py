"""A code editor for CUDA answers: Textual's TextArea with CUDA highlighting through tree-sitter-cuda."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.widgets import TextArea

if TYPE_CHECKING:
    from tree_sitter import Language

HIGHLIGHTS = Path(__file__).with_name("cuda_highlights.scm")


@cache
def cuda_language() -> tuple[Language, str] | None:
    """The CUDA grammar and our highlight query; None when tree-sitter or the grammar is not installed."""
    try:
        import tree_sitter_cuda
        from tree_sitter import Language
    except ImportError:
        return None
    return Language(tree_sitter_cuda.language()), HIGHLIGHTS.read_text(encoding="utf-8")


class CudaEditor(TextArea):
    """Line numbers, indentation with tab, CUDA colours (plain text if the grammar is missing)."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(text, soft_wrap=False, tab_behavior="indent", show_line_numbers=True, **kwargs)
        self.indent_width = 4
        grammar = cuda_language()
        if grammar is not None:
            language, query = grammar
            self.register_language("cuda", language, query)
            self.language = "cuda"

    def on_mount(self) -> None:
        self.theme = "vscode_dark" if self.app.current_theme.dark else "github_light"
        self.watch(self.app, "theme", self._follow_app_theme, init=False)

    def _follow_app_theme(self, _theme: str) -> None:
        self.theme = "vscode_dark" if self.app.current_theme.dark else "github_light"

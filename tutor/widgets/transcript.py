"""The interview transcript: one block per turn, the interviewer's current turn growing as its text streams in."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

Role = Literal["interviewer", "candidate", "system"]

ROLE_LABELS: dict[str, str] = {"interviewer": "Interviewer", "candidate": "You", "system": "·"}


class TurnView(Static):
    """One turn; `append` grows it while the interviewer's words arrive."""

    DEFAULT_CSS = """
    TurnView { padding: 0 1; margin: 0 0 1 0; }
    TurnView.-interviewer { border-left: thick $accent; }
    TurnView.-candidate { border-left: thick $success; background: $boost; }
    TurnView.-system { color: $text-muted; text-style: italic; margin: 0; }
    TurnView.-streaming { border-left: thick $warning; }
    """

    def __init__(self, role: Role, text: str = "", *, speaker: str | None = None) -> None:
        super().__init__(classes=f"-{role}")
        self.role = role
        self.speaker = speaker or ROLE_LABELS[role]
        self.text = text
        self._refresh_body()

    def append(self, chunk: str) -> None:
        self.text += chunk
        self._refresh_body()

    def _refresh_body(self) -> None:
        body = Text()
        if self.role != "system":
            body.append(f"{self.speaker}\n", style="bold")
        body.append(self.text)
        self.update(body)


class Transcript(VerticalScroll):
    """Turns in order; keeps the newest in view unless the user has scrolled up to read."""

    DEFAULT_CSS = """
    Transcript { height: 1fr; padding: 0 1; }
    """

    def __init__(self, *, interviewer_name: str = "Interviewer", id: str | None = None) -> None:
        super().__init__(id=id)
        self.interviewer_name = interviewer_name
        self._streaming: TurnView | None = None

    def add_turn(self, role: Role, text: str, *, speaker: str | None = None) -> TurnView:
        """`speaker`: the interviewer's name when it is not `interviewer_name` (a full loop changes interviewers)."""
        if role == "interviewer":
            speaker = speaker or self.interviewer_name
        view = TurnView(role, text, speaker=speaker if role == "interviewer" else None)
        self._mount_and_follow(view)
        return view

    def start_stream(self, speaker: str | None = None) -> TurnView:
        """An empty interviewer turn that `append_chunk` fills."""
        self.end_stream()
        view = self.add_turn("interviewer", "", speaker=speaker)
        view.add_class("-streaming")
        self._streaming = view
        return view

    def append_chunk(self, chunk: str) -> None:
        if self._streaming is None:
            self.start_stream()
        assert self._streaming is not None
        follow = self._at_bottom()
        self._streaming.append(chunk)
        if follow:
            self.call_after_refresh(self.scroll_end, animate=False)

    def end_stream(self) -> str:
        """Closes the growing turn and returns its text ('' when none was open); an empty turn is removed."""
        view, self._streaming = self._streaming, None
        if view is None:
            return ""
        view.remove_class("-streaming")
        if not view.text.strip():
            view.remove()
        return view.text

    @property
    def streaming(self) -> bool:
        return self._streaming is not None

    def texts(self) -> list[tuple[str, str]]:
        """(role, text) of every turn shown, in order (tests and screenshots read it)."""
        return [(view.role, view.text) for view in self.query(TurnView)]

    def _mount_and_follow(self, view: TurnView) -> None:
        follow = self._at_bottom()
        self.mount(view)
        if follow:
            self.call_after_refresh(self.scroll_end, animate=False)

    def _at_bottom(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y - 1

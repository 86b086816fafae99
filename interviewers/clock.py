"""The session engine's time source: monotonic seconds, injectable so tests move time by hand.

Only differences between two readings of the same clock mean anything; the engine never stores a reading. It stores
the seconds a phase has used, so a session resumed in another process (another monotonic origin) goes on from there.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds from an arbitrary origin."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        self._now += seconds

"""SVG snapshots of the main screens (pytest-textual-snapshot). Fixed data, a fake clock, a fixed report time and a
temporary TUTOR_HOME make them repeatable; `pytest --snapshot-update tests/test_snapshots.py` re-records them after a
deliberate change (look at the diff report first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from question_bank.loader import Bank
from tests.screens_support import make_app, scene_gap_report, scene_home, scene_interview, scene_practice, scene_scorecard

SIZE = (100, 32)
Scene = Callable[[Pilot[None]], Awaitable[None]]


@pytest.mark.parametrize("scene", [scene_home, scene_interview, scene_practice, scene_gap_report, scene_scorecard],
                         ids=["home", "interview", "practice", "gap_report", "scorecard"])
def test_main_screens(snap_compare: Any, bank: Bank, scene: Scene) -> None:
    assert snap_compare(make_app(bank), terminal_size=SIZE, run_before=scene)

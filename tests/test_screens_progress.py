"""Progress dashboard: totals and streak from stored history, the score plot, CUDA solved counts, and the
self-assessment matrix edited with keys and saved to storage at once."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from gap_engine.self_assessment import COMPONENTS
from question_bank.loader import Bank
from tests.screens_support import FIXED_NOW, embed_bank_once, make_app, settle, shown_text, store_history, wait_for
from tutor.screens.progress import ProgressScreen

pytestmark = pytest.mark.anyio


async def test_progress_shows_history_and_saves_self_ratings(bank: Bank) -> None:
    app = make_app(embed_bank_once(bank))
    items = store_history(app.services.storage, bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("r")  # Home's key for progress
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        await settle(pilot, timeout=120)
        totals = shown_text(screen.query_one("#totals", Static))
        assert f"answers {len(items)}" in totals and "Streak" in totals
        assert len(screen.progress.scores_over_time) == len(items)
        assert screen.query_one("#trend", PlotextPlot).plt is not None
        solved = screen.query_one("#solved", DataTable)
        assert solved.row_count >= 1

        matrix = screen.query_one("#self-assessment", DataTable)
        assert matrix.row_count == len(COMPONENTS)
        assert [str(matrix.get_row_at(i)[0]) for i in range(matrix.row_count)] == [c.name for c in COMPONENTS]
        # Measured mastery arrives from the gap engine: the components whose topics were answered have a figure.
        assert any(row.measured is not None for row in screen.rows())

        matrix.move_cursor(row=1)
        await pilot.press("plus", "plus", "right_square_bracket", "left_square_bracket", "left_square_bracket")
        await pilot.pause()
        saved = {rating.component: rating for rating in app.services.storage.self_ratings()}
        component = COMPONENTS[1]
        assert saved[component.name].rating == 5  # unrated counts as 3: +1, +1
        assert saved[component.name].target == max(1, min(5, component.target + 1) - 2)
        assert "5" in str(matrix.get_row_at(1)[1])

        await pilot.press("minus", "minus", "minus", "minus", "minus")
        await pilot.pause()
        assert {r.component: r for r in app.services.storage.self_ratings()}[component.name].rating == 1

        matrix.move_cursor(row=2)
        await pilot.press("right_square_bracket")  # a target cannot be moved before the component is rated
        await pilot.pause()
        assert COMPONENTS[2].name not in {r.component for r in app.services.storage.self_ratings()}


async def test_progress_with_no_history(bank: Bank) -> None:
    app = make_app(embed_bank_once(bank))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ProgressScreen(now=FIXED_NOW))
        await settle(pilot, timeout=120)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert "0 day(s)" in shown_text(screen.query_one("#totals", Static))
        assert all(row.measured is None for row in screen.rows())

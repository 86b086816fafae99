"""The gap-report job end to end in the app: stored score cards -> report built in a worker -> drill down from a topic
to the answers and missed rubric points -> exports to Markdown, HTML and JSON (default folder and a typed path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from gap_engine.models import GapReport
from question_bank.loader import Bank
from tests.screens_support import FIXED_NOW, embed_bank_once, make_app, settle, shown_text, store_history, wait_for
from tutor.screens.gap_report import ExportDialog, GapReportScreen

pytestmark = pytest.mark.anyio


def _row_keys(table: DataTable[object]) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


async def test_report_from_stored_cards_drills_down_and_exports(bank: Bank, tmp_path: Path) -> None:
    app = make_app(embed_bank_once(bank))
    items = store_history(app.services.storage, bank)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")  # Home's key for the gap report
        await wait_for(pilot, lambda: isinstance(app.screen, GapReportScreen) and app.screen.report is not None,
                       timeout=120)
        screen = app.screen
        assert isinstance(screen, GapReportScreen)
        report = screen.report
        assert report is not None
        assert report.learner.answers_scored == len(items)
        assert "/150" in shown_text(screen.query_one("#readiness-line", Static))

        table = screen.query_one("#topics", DataTable)
        keys = _row_keys(table)
        assert [key for key in keys if key.startswith("module:")] == [f"module:{m.module_id}" for m in report.modules]
        tested = [t for t in report.topics if t.status != "not_tested"]
        assert [key for key in keys if key.startswith("topic:")] == [f"topic:{t.topic_id}" for t in tested]

        # Drill down: the weakest tested topic shows the answers behind it and the rubric points they missed.
        weakest = report.weakest_topics(1)[0]
        table.move_cursor(row=keys.index(f"topic:{weakest.topic_id}"))
        await pilot.pause()
        evidence = shown_text(screen.query_one("#evidence-body", Static))
        assert weakest.title in evidence
        first = weakest.evidence[0]
        assert bank.get(first.item_id).title[:30] in evidence
        missed = [point for ref in weakest.evidence for point in ref.missed_points]
        assert missed and "✗" in evidence
        assert missed[0].text[:30] in evidence

        # Untested topics are hidden by default and shown on request, never as weak.
        await pilot.press("u")
        await pilot.pause()
        assert table.row_count == len(report.modules) + len(report.topics)
        untested = next(t for t in report.topics if t.status == "not_tested")
        table.move_cursor(row=_row_keys(table).index(f"topic:{untested.topic_id}"))
        await pilot.pause()
        assert "Not yet tested" in shown_text(screen.query_one("#evidence-body", Static))

        # Export each format to the data folder's exports/ (Enter accepts the proposed path).
        for key in ("m", "h", "j"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ExportDialog)
            await pilot.press("enter")
            await pilot.pause()
        exports = sorted((app.services.settings.data_dir / "exports").iterdir())
        assert sorted(path.suffix for path in exports) == [".html", ".json", ".md"]
        by_suffix = {path.suffix: path for path in exports}
        assert GapReport.model_validate_json(by_suffix[".json"].read_text()).learner.answers_scored == len(items)
        assert by_suffix[".html"].read_text().lstrip().lower().startswith("<!doctype html")
        assert weakest.title in by_suffix[".md"].read_text()
        notices = [notification.message for notification in app._notifications]
        assert any(str(by_suffix[".md"]) in message for message in notices)

        # Or to a path the user types.
        typed = tmp_path / "elsewhere" / "my-report.md"
        await pilot.press("m")
        await pilot.pause()
        app.screen.query_one(Input).value = str(typed)
        await pilot.press("enter")
        await pilot.pause()
        assert typed.exists() and weakest.title in typed.read_text()


async def test_report_with_no_history_says_so_and_marks_nothing_weak(bank: Bank) -> None:
    app = make_app(embed_bank_once(bank))
    async with app.run_test(size=(100, 32)) as pilot:
        await app.push_screen(GapReportScreen(now=FIXED_NOW))
        await settle(pilot, timeout=120)
        screen = app.screen
        assert isinstance(screen, GapReportScreen) and screen.report is not None
        assert all(topic.status == "not_tested" for topic in screen.report.topics)
        table = screen.query_one("#topics", DataTable)
        assert all(key.startswith("module:") for key in _row_keys(table))
        assert "No recommendations yet" in shown_text(screen.query_one("#recommendations-body", Static))


async def test_kept_report_is_rebuilt_on_a_later_visit_only_when_the_history_changed(bank: Bank) -> None:
    app = make_app(embed_bank_once(bank))
    store_history(app.services.storage, bank, per_category=1)
    async with app.run_test(size=(100, 32)) as pilot:
        app.action_open("gap_report")
        await wait_for(pilot, lambda: isinstance(app.screen, GapReportScreen) and app.screen.report is not None,
                       timeout=120)
        screen = app.screen
        assert isinstance(screen, GapReportScreen)
        first = screen.report
        assert first is not None
        app.pop_screen()
        await settle(pilot, timeout=60)
        app.action_open("gap_report")  # nothing changed: the kept screen shows the same report, not a rebuild
        await settle(pilot, timeout=60)
        assert app.screen is screen and screen.report is first

        app.pop_screen()
        await settle(pilot, timeout=60)
        store_history(app.services.storage, bank, per_category=2)  # more answers scored meanwhile
        app.action_open("gap_report")
        await wait_for(pilot, lambda: screen.report is not first, timeout=120)
        assert screen.report is not None
        assert screen.report.learner.answers_scored > first.learner.answers_scored

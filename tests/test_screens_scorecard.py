"""The scorecard screen: the session's /10 and hire signal, /150 and band for the final assessment, then per question
the rubric points with quotes and what was missing; unanswered questions are listed as such."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from interviewers.session import AssessmentPartResult, AssessmentResult, ItemResult, SessionResult
from question_bank.loader import Bank
from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from rubrics.scoring import SessionScore
from tests.screens_support import embed_bank_once, make_app, shown_text
from tutor.screens.gap_report import GapReportScreen
from tutor.screens.scorecard import ScorecardScreen
from tutor.widgets.scorecard_view import ScorecardView

pytestmark = pytest.mark.anyio


def _result(bank: Bank) -> SessionResult:
    entries = [entry for part in bank.final_assessment.parts for entry in part.entries][:2]
    answered, skipped = (bank.get(entry.item) for entry in entries)
    card = ScoreCard(item_id=answered.id, scorer="embedding", overall=6.5, hire_signal=HireSignal.LEAN_HIRE,
                     feedback="Add the numbers.", points=[
                         PointScore(point_id=answered.rubric[0].id, score=1.0, quote="the exact words that earned it"),
                         PointScore(point_id=answered.rubric[1].id, score=0.25, missing="the cost in memory"),
                     ])
    items = [ItemResult(item_id=answered.id, title=answered.title, phase_id="part-1", answered=True, card=card,
                        answer_id=1, points=entries[0].points * 0.65, max_points=entries[0].points),
             ItemResult(item_id=skipped.id, title=skipped.title, phase_id="part-1", answered=False)]
    assessment = AssessmentResult(total=2.6, max_points=150, band="Not ready", advice="Review modules 1-3.",
                                  parts=[AssessmentPartResult(title="Part 1: Core concepts", points=2.6, max_points=80)])
    return SessionResult(session_id="s1", format_id="final_assessment", persona="deep_dive", items=items,
                         summary=SessionScore(overall=6.5, hire_signal=HireSignal.LEAN_HIRE,
                                              per_item=[(answered.id, 6.5)]),
                         assessment=assessment, planned=27, asked=2, answered=1)


async def test_scorecard_shows_session_assessment_and_each_question(bank: Bank) -> None:
    result = _result(bank)
    app = make_app(embed_bank_once(bank))  # the g key opens the gap report, which builds in the background
    async with app.run_test(size=(110, 40)) as pilot:
        await app.push_screen(ScorecardScreen(result, bank))
        await pilot.pause()
        screen = app.screen
        summary = shown_text(screen.query_one("#summary", Static))
        assert "6.5/10" in summary and "lean hire" in summary
        assert "2.6/150" in summary and "Not ready" in summary and "Review modules 1-3." in summary
        assert "1 answered of 2 asked (27 planned)" in summary
        views = list(screen.query(ScorecardView))
        assert [view.card.item_id for view in views] == [result.items[0].item_id]
        body = shown_text(views[0].query_one(Static))
        assert "the exact words that earned it" in body and "Missing: the cost in memory" in body
        assert f"/{result.items[0].max_points:g} points" in body
        unanswered = shown_text(screen.query_one(".unanswered", Static))
        assert result.items[1].title in unanswered and "not answered" in unanswered

        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GapReportScreen)

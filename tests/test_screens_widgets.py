"""The interview and report widgets on their own: clock, transcript streaming, mastery bars, score card."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.app import App, ComposeResult

from question_bank.loader import Bank
from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from tutor.widgets.mastery_bars import MasteryBars, MasteryRow, mastery_bar, mastery_table
from tutor.widgets.phase_clock import PhaseClock, format_clock
from tutor.widgets.scorecard_view import ScorecardView, card_renderable
from tutor.widgets.transcript import Transcript

pytestmark = pytest.mark.anyio  # Textual's pilot is async; anyio's pytest plugin runs it on asyncio


def plain(renderable: object, width: int = 120) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_clock_shows_whole_seconds_left_and_never_negative() -> None:
    assert format_clock(600) == "10:00"
    assert format_clock(59.2) == "01:00"  # a started second still counts until it is gone
    assert format_clock(59.0) == "00:59"
    assert format_clock(0.0) == "00:00"
    assert format_clock(-12) == "00:00"


async def test_clock_turns_warning_colour_at_two_minutes_and_shows_pause() -> None:
    class ClockApp(App[None]):
        def compose(self) -> ComposeResult:
            yield PhaseClock()

    async with ClockApp().run_test() as pilot:
        clock = pilot.app.query_one(PhaseClock)
        clock.seconds_left = 121
        await pilot.pause()
        assert not clock.has_class("-warning")
        assert "02:01" in str(clock.render())
        clock.seconds_left = 120
        await pilot.pause()
        assert clock.has_class("-warning")
        clock.seconds_left = 0
        await pilot.pause()
        assert clock.has_class("-over") and not clock.has_class("-warning")
        clock.paused = True
        await pilot.pause()
        assert clock.has_class("-paused") and "⏸" in str(clock.render())


async def test_transcript_streams_chunks_into_one_turn() -> None:
    class TranscriptApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Transcript(interviewer_name="Ada")

    async with TranscriptApp().run_test() as pilot:
        transcript = pilot.app.query_one(Transcript)
        transcript.add_turn("candidate", "my answer")
        transcript.start_stream()
        for chunk in ("How would ", "you tile ", "this?"):
            transcript.append_chunk(chunk)
        assert transcript.streaming
        assert transcript.end_stream() == "How would you tile this?"
        transcript.start_stream()
        transcript.end_stream()  # an empty stream (cancelled before any text) leaves no empty turn behind
        await pilot.pause()
        assert transcript.texts() == [("candidate", "my answer"), ("interviewer", "How would you tile this?")]


def test_mastery_bar_puts_mean_and_whiskers_where_the_values_are() -> None:
    bar = mastery_bar(0.5, 0.25, 0.75, width=21).plain
    assert len(bar) == 21
    assert bar.index("●") == 10
    assert bar.index("├") == 5
    assert bar.index("┤") == 15
    assert set(mastery_bar(0.9, 0.1, 0.95, width=10, status="not_tested").plain) == {"·"}


def test_mastery_table_says_untested_not_weak() -> None:
    rows = [MasteryRow("Coalescing", 0.3, 0.2, 0.45, "weak", 4), MasteryRow("NCCL", 0.5, 0.1, 0.9, "not_tested", 0)]
    assert MasteryBars(rows).rows == rows
    rendered = plain(mastery_table(rows), 100)
    assert "Coalescing" in rendered and "20-45" in rendered
    assert "not yet" in rendered


def test_score_card_shows_quotes_missing_points_misconceptions_and_signal(bank: Bank) -> None:
    question = next(q for q in bank if len(q.rubric) >= 3)
    first, second, third = question.rubric[:3]
    card = ScoreCard(item_id=question.id, scorer="embedding", overall=4.2, hire_signal=HireSignal.NO,
                     feedback="Name the trade-off explicitly.", flags=["prompt-injection"], points=[
                         PointScore(point_id=first.id, score=0.9, quote="tiles are loaded once into shared memory"),
                         PointScore(point_id=second.id, score=0.1, missing="the occupancy cost of the tile size"),
                         PointScore(point_id=third.id, score=0.0, misconceptions=["more threads are always faster"]),
                     ])
    text = plain(card_renderable(card, question, points_possible=8), 160)
    assert question.title in text
    assert "4.2/10" in text and "no" in text
    assert "3.4/8 points" in text
    assert "tiles are loaded once into shared memory" in text
    assert "Missing: the occupancy cost of the tile size" in text
    assert "Misconception: more threads are always faster" in text
    assert first.text[:30] in text
    assert "capped" in text
    assert "Name the trade-off explicitly." in text
    assert ScorecardView(card, question).card is card

"""Shared by the interview/report screen tests, snapshots and screenshots: an app on a temporary home, a fixed history
of scored answers (fixed texts, scores and timestamps), and a wait for the app's thread workers."""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TextArea
from textual.worker import WorkerState

from gap_engine.embeddings import shared_embedder
from question_bank.loader import Bank
from question_bank.models import Category
from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from tutor.app import TutorApp
from tutor.config import load_settings
from tutor.records import Answer, Session, SessionStatus
from tutor.services import Services
from tutor.storage import Storage

FIXED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_app(bank: Bank) -> TutorApp:
    """The real app over the test's TUTOR_HOME, offline, no GPU, no background warm-up.

    The process-wide embedder keeps its vectors in memory across tests (the bank is embedded once per run), but the
    database it was attached to belonged to an earlier test and is closed now: this app's database takes its place.
    """
    shared_embedder().store = None
    services = Services(load_settings()[0], bank=bank, gpu=False)
    return TutorApp(services, warm_up=False)


async def settle(pilot: Pilot[None], timeout: float = 90.0) -> None:
    """Wait until no worker of the app is pending or running (the interviewer speaking, scoring, a report build)."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not busy:
            await pilot.pause()
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"workers still running after {timeout:.0f} s: {[w.name for w in busy]}")
        await asyncio.sleep(0.05)


async def wait_for(pilot: Pilot[None], condition: object, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await pilot.pause(0.05)


# Which rubric points each stored answer earned: the first points well, the last ones poorly, so the report has both
# strong and weak evidence. Fractions per point, in rubric order; the last entry repeats for longer rubrics.
SCORE_PATTERNS: list[list[float]] = [[0.9, 0.8, 0.2, 0.1], [0.3, 0.2, 0.1, 0.0], [1.0, 0.9, 0.8, 0.7], [0.6, 0.1, 0.5, 0.0]]
HISTORY_CATEGORIES = (Category.CORE_CONCEPTS, Category.CUDA_PERFORMANCE, Category.SYSTEM_DESIGN,
                      Category.DISTRIBUTED_SYSTEMS)


def store_history(storage: Storage, bank: Bank, *, per_category: int = 2, now: datetime = FIXED_NOW) -> list[str]:
    """Submitted answers with score cards over the last days, with fixed texts, scores and timestamps.

    Returns the item ids. The cards are data here (what a scorer would have written); the report under test is real.
    """
    items = [question for category in HISTORY_CATEGORIES
             for question in sorted((q for q in bank if q.category == category), key=lambda q: q.id)[:per_category]]
    session = storage.save_session(Session(id="history-mock", kind="interview", format="deep_dive", persona="deep_dive",
                                           status=SessionStatus.FINISHED))
    for number, question in enumerate(items):
        when = now - timedelta(days=len(items) - number, hours=3)
        pattern = SCORE_PATTERNS[number % len(SCORE_PATTERNS)]
        points = []
        for index, point in enumerate(question.rubric):
            score = pattern[min(index, len(pattern) - 1)]
            points.append(PointScore(
                point_id=point.id, score=score,
                quote=point.key_concepts[0] if score >= 0.5 else None,
                missing=None if score >= 0.5 else f"Did not cover: {point.text[:80]}"))
        total = sum(point.weight * score for point, score in zip(question.rubric, (p.score for p in points), strict=True))
        overall = round(10 * total / question.total_weight, 1)
        signal = (HireSignal.STRONG_NO if overall < 3 else HireSignal.NO if overall < 5 else HireSignal.LEAN_HIRE
                  if overall < 7 else HireSignal.HIRE)
        text = question.model_answer.split("\n\n")[0][:400] if overall >= 5 else "I think it is about memory, mostly."
        answer = storage.submit_answer(Answer(item_id=question.id, session_id=session.id if number % 2 else None,
                                              text=text, seconds_spent=300.0))
        card = ScoreCard(item_id=question.id, scorer="embedding", points=points, overall=overall, hire_signal=signal,
                         feedback=f"A stronger answer would cover {question.rubric[-1].text[:60]}.",
                         model="all-MiniLM-L6-v2")
        stored = storage.add_score_card(card, answer.id)
        stamp = when.isoformat()
        storage.db.execute("UPDATE answers SET updated_at = ?, submitted_at = ? WHERE id = ?", [stamp, stamp, answer.id])
        storage.db.execute("UPDATE score_cards SET created_at = ? WHERE id = ?", [stamp, stored.id])
    stamp = (now - timedelta(days=1)).isoformat()
    storage.db.execute("UPDATE sessions SET started_at = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                       [stamp, stamp, stamp, session.id])
    return [question.id for question in items]


def shown_text(widget: Static, width: int = 160) -> str:
    """The plain text a Static shows (its Rich renderable rendered without colour)."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


# --- scenes: the app brought to a screen with fixed data (snapshot tests and docs/make_screenshots.py) -------------

SNAPSHOT_SEED = 5
SCENE_ANSWER = ("PagedAttention keeps the KV cache in fixed-size blocks that need not be contiguous; a block table maps "
                "each sequence's logical blocks to physical ones, so fragmentation falls and prefixes can be shared.")


async def scene_interview(pilot: Pilot[None], *, typed: str = "It splits the KV cache into blocks") -> None:
    """A deep dive on a fake clock: the interviewer has asked, a few minutes have passed, an answer is being typed."""
    from interviewers.clock import FakeClock
    from interviewers.session import SessionEngine
    from tutor.screens.interview import InterviewScreen

    app = pilot.app
    assert isinstance(app, TutorApp)
    await settle(pilot)  # the start-up steps are done (they offer to resume unfinished sessions)
    clock = FakeClock()
    engine = SessionEngine.start(app.services.storage, app.services.bank(), format_id="deep_dive",
                                 persona_id="deep_dive", llm=app.services.llm(), embedder=app.services.embedder(),
                                 clock=clock, seed=SNAPSHOT_SEED)
    screen = InterviewScreen(engine)
    await app.push_screen(screen)
    await settle(pilot)
    clock.advance(95)
    screen.query_one("#answer", TextArea).text = typed
    screen._refresh_status()
    steady_cursors(pilot)
    await settle(pilot)


async def scene_scorecard(pilot: Pilot[None]) -> None:
    """The interview above, answered once and ended: its scorecard."""
    from tutor.screens.scorecard import ScorecardScreen

    await scene_interview(pilot, typed=SCENE_ANSWER)
    await pilot.press("ctrl+s")
    await settle(pilot)
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ScorecardScreen), timeout=120)
    await settle(pilot)


async def scene_gap_report(pilot: Pilot[None]) -> None:
    """A fixed history of scored answers, the report built at a fixed time, the weakest topic drilled into."""
    from tutor.screens.gap_report import GapReportScreen

    app = pilot.app
    assert isinstance(app, TutorApp)
    embed_bank_once(app.services.bank())
    store_history(app.services.storage, app.services.bank())
    screen = GapReportScreen(now=FIXED_NOW)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.report is not None, timeout=120)
    await settle(pilot)
    assert screen.report is not None
    weakest = screen.report.weakest_topics(1)
    if weakest:
        table = screen.query_one("#topics", DataTable)
        keys = [str(row.key.value) for row in table.ordered_rows]
        table.move_cursor(row=keys.index(f"topic:{weakest[0].topic_id}"))
    await settle(pilot)


async def scene_practice(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, TutorApp)
    app.action_open("practice")
    await settle(pilot)
    steady_cursors(pilot)
    await pilot.pause()


def steady_cursors(pilot: Pilot[None]) -> None:
    """A blinking cursor makes two screenshots of the same screen differ: hold it still."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


async def scene_home(pilot: Pilot[None]) -> None:
    await settle(pilot)


_EMBEDDED: list[Bank] = []


def embed_bank_once(bank: Bank) -> Bank:
    """Embeds the bank once per test run (the gap report places every rubric point on the taxonomy by embedding;
    cold, that takes tens of seconds), so tests that build reports then wait for their own work only."""
    if bank in _EMBEDDED:
        return bank
    from gap_engine.report import build_report

    with tempfile.TemporaryDirectory(prefix="embedding-warm-up-") as folder:
        storage = Storage(Path(folder) / "tutor.db")
        embedder = shared_embedder()
        embedder.store = storage
        try:
            build_report(storage, bank, now=FIXED_NOW, embedder=embedder)
        finally:
            embedder.store = None
            storage.close()
    _EMBEDDED.append(bank)
    return bank

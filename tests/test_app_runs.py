"""After a run that never closed, the app offers back the practice drafts written in it: the run markers (a real child
process killed with SIGKILL), the choice of drafts, and the offer in the app, which reopens the answer with its text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import TextArea

from question_bank.loader import Bank
from tests.app_pilot import make_app, screen_text, wait_until
from tutor.app_runs import begin_run, end_run, interrupted_drafts
from tutor.config import load_settings
from tutor.records import Answer, Session, now
from tutor.storage import Storage

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parent.parent


def killed_run(data_dir: Path) -> None:
    """A real process leaves its marker as the app does, then is killed before it can remove it."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from tutor.app_runs import begin_run; "
                               "begin_run(Path(sys.argv[1])); print('marked', flush=True); time.sleep(60)",
         str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "marked"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)


def test_a_run_that_closed_leaves_nothing_to_offer(tmp_path: Path) -> None:
    marker, interrupted = begin_run(tmp_path)
    assert interrupted is None and marker.is_file()
    end_run(marker)
    assert begin_run(tmp_path)[1] is None


def test_a_killed_run_is_found_once_and_a_running_one_is_left_alone(tmp_path: Path) -> None:
    before = now()
    killed_run(tmp_path)
    (tmp_path / "runs" / "12.json").write_text("{\"pid\": 12, \"start")  # cut short by a kill mid-write
    running = tmp_path / "runs" / f"{os.getppid()}.json"  # another app on the same data: its process is alive
    running.write_text(f'{{"pid": {os.getppid()}, "started_at": "{now().isoformat()}"}}')
    marker, interrupted = begin_run(tmp_path)
    assert interrupted is not None and before <= interrupted <= now()
    assert running.is_file() and not (tmp_path / "runs" / "12.json").exists()
    end_run(marker)
    assert begin_run(tmp_path)[1] is None  # reported once, then forgotten


def test_interrupted_drafts_are_practice_drafts_with_content_saved_since_the_run_began(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "tutor.db")
    session = storage.save_session(Session(id="s1", kind="interview", format="deep_dive", persona="cuda_kernel"))
    old = storage.save_answer(Answer(item_id="core.old", text="from last week"))
    since = now()
    written = storage.save_answer(Answer(item_id="core.kv", text="KV cache grows with"))
    code = storage.save_answer(Answer(item_id="cuda.softmax", code="__global__ void k() {}"))
    storage.save_answer(Answer(item_id="core.blank", text="   "))
    storage.save_answer(Answer(item_id="core.in-interview", session_id=session.id, text="in an interview"))
    storage.submit_answer(storage.save_answer(Answer(item_id="core.done", text="submitted")))
    found = interrupted_drafts(storage, since)
    assert [draft.id for draft in found] == [code.id, written.id]
    assert old.id in {draft.id for draft in interrupted_drafts(storage, since - timedelta(hours=1))}
    storage.close()


async def test_after_a_kill_the_app_offers_the_practice_draft_and_reopens_it(bank: Bank) -> None:
    settings, _ = load_settings()
    question = bank.get("cudaperf.memory-coalescing")
    storage = Storage(settings.database_path)
    killed_run(settings.data_dir)
    storage.save_answer(Answer(item_id=question.id, text="Adjacent threads should read adjacent words"))
    storage.close()
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: "practice answer" in screen_text(app), seconds=30)
        text = screen_text(app)
        assert "app closed while you were writing 1 practice answer" in text and question.title in text
        assert "Adjacent threads should read adjacent words" in text  # the draft, previewed
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuestionScreen", seconds=10)
        await pilot.pause()
        assert app.screen.query_one("#answer", TextArea).text == "Adjacent threads should read adjacent words"


async def test_a_clean_exit_means_no_offer_next_time(bank: Bank) -> None:
    settings, _ = load_settings()
    question = bank.get("cudaperf.memory-coalescing")
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: "resume" in app.steps_done, seconds=30)
        app.services.storage.save_answer(Answer(item_id=question.id, text="left on purpose"))
    assert not list((settings.data_dir / "runs").glob("*.json"))
    app = make_app(bank)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: "resume" in app.steps_done, seconds=30)
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"

"""A SIGKILL mid-interview loses nothing: a new process resumes with every answered turn, the same question, the draft."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from gap_engine.embeddings import shared_embedder
from interviewers.clock import FakeClock
from interviewers.session import SessionEngine
from question_bank.loader import Bank
from tutor.config import load_settings
from tutor.llm import LLM
from tutor.records import AnswerStatus, SessionStatus
from tutor.storage import Storage

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")

FIRST_ANSWER = [
    "Situation: our 70B chat fleet started failing its p99 latency SLO the week before a launch.",
    "Task: I owned the serving stack and had to find the cause and fix it before the launch date.",
    "Action: I profiled the decode step, found the KV cache was preempting sequences under long prompts, and I "
    "enabled chunked prefill and cut max_num_seqs.",
    "Result: p99 time per output token fell by 40 percent and we launched on time; I wrote the runbook.",
]
DRAFT = "Partial draft: the disagreement started when"


def _wait_for(what: str, probe: Callable[[], T | None], timeout: float = 120.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = probe()
        except Exception:  # the child may not have created the database yet
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _interview(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tutor.cli", "interview", "--plain", *arguments], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_mid_interview_then_resume_in_a_new_process(bank: Bank) -> None:
    database = load_settings()[0].database_path
    child = _interview("--format", "behavioral", "--seed", "9")
    try:
        assert child.stdin is not None
        child.stdin.write("\n".join([*FIRST_ANSWER, "."]) + "\n")
        child.stdin.flush()
        with _Opened(database) as watch:
            session = _wait_for("the session", lambda: next(iter(SessionEngine.unfinished(watch.get())), None))

            def answered_and_replied() -> bool:
                turns = watch.get().turns(session.id)
                candidate = [i for i, t in enumerate(turns) if t.role == "candidate"]
                return bool(candidate) and any(t.role == "interviewer" for t in turns[candidate[0]:])

            _wait_for("the first answer and the interviewer's reply", answered_and_replied)
            # The reply is spoken; the child now waits for the next answer. Type part of it, unsent.
            child.stdin.write(DRAFT + "\n")
            child.stdin.flush()

            def draft_saved() -> bool:
                db = watch.get()
                return any(a.text == DRAFT for a in db.answers(status=AnswerStatus.DRAFT) if a.session_id == session.id)

            _wait_for("the draft autosave", draft_saved)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    storage = Storage(database)
    killed = storage.get_session(session.id)
    assert killed.status == SessionStatus.ACTIVE  # killed, not paused: it is listed as unfinished
    assert [s.id for s in SessionEngine.unfinished(storage)] == [session.id]
    before = storage.turns(session.id)
    asked_last = [t for t in before if t.role == "interviewer" and t.item_id is not None][-1]

    llm = LLM.from_settings(load_settings()[0])
    resumed = SessionEngine.resume(storage, session.id, bank, llm=llm, embedder=shared_embedder(), clock=FakeClock())
    # Every answered turn intact, in order; nothing said twice.
    assert [t.model_dump() for t in resumed.transcript[:len(before)]] == [t.model_dump() for t in before]
    candidate = [t for t in resumed.transcript if t.role == "candidate"]
    assert [t.text for t in candidate] == ["\n".join(FIRST_ANSWER)]
    first_item = candidate[0].item_id
    assert first_item is not None
    submitted = [a for a in storage.answers(first_item, AnswerStatus.SUBMITTED) if a.session_id == session.id]
    assert [a.text for a in submitted] == ["\n".join(FIRST_ANSWER)]
    # The same open question, and the unsent draft restored.
    assert resumed.current_question is not None and resumed.current_question.id == asked_last.item_id
    assert resumed.draft_text == DRAFT
    storage.close()

    # The line-mode CLI resumes it too: '.' sends the restored draft, ':end' scores the session.
    again = subprocess.run([sys.executable, "-m", "tutor.cli", "interview", "--plain", "--resume"], cwd=REPO,
                           input=" it went on.\n.\n:end\n", capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "draft is restored" in again.stdout and "Scorecard" in again.stdout
    storage = Storage(database)
    assert storage.get_session(session.id).status == SessionStatus.FINISHED
    replies = [t.text for t in storage.turns(session.id) if t.role == "candidate"]
    assert replies == ["\n".join(FIRST_ANSWER), DRAFT + "\n it went on."]
    assert {card.card.item_id for card in storage.score_cards()} >= {first_item}
    storage.close()


class _Opened:
    """A Storage opened on first use (the child creates the file) and closed at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._storage: Storage | None = None

    def get(self) -> Storage:
        if self._storage is None:
            if not self.path.exists():
                raise FileNotFoundError(self.path)
            self._storage = Storage(self.path)
        return self._storage

    def __enter__(self) -> _Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._storage is not None:
            self._storage.close()

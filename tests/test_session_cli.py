"""`tutor interview --plain` driven through a pipe (no TTY), offline, from the first question to the scorecard."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from interviewers.session import SessionEngine
from tutor.config import load_settings
from tutor.records import SessionStatus
from tutor.storage import Storage

REPO = Path(__file__).resolve().parent.parent

STORY = [
    "Situation: two teams disagreed about moving our serving fleet from vLLM to TensorRT-LLM before a launch.",
    "Task: I was the tech lead and had to get to a decision both teams would commit to within two weeks.",
    "Action: I wrote down the criteria, ran both engines on our real traffic replay and shared the numbers openly.",
    "Result: we stayed on vLLM, p99 latency was within 5 percent, and the other team co-owned the benchmark.",
]


def _tutor(*arguments: str, stdin: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor.cli", *arguments], cwd=REPO, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.slow
def test_plain_interview_through_a_pipe_to_the_scorecard() -> None:
    script = "\n".join([
        *STORY, ".",
        ":time",
        ":hint",
        ":help",
        ":pause", "",
        *STORY[:2], ".",
        ":skip",
        ":end",
    ]) + "\n"
    result = _tutor("interview", "--plain", "--format", "behavioral", "--seed", "4", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr
    assert "offline" in out.lower()  # the one-line LLM status
    assert "=== Past project discussion (8 min) ===" in out
    assert re.search(r"\[Past project discussion · \d+:\d\d left · question 1/1 · \d+:\d\d in the interview\]", out)
    assert "Paused; the clock is stopped" in out and "Resumed." in out
    assert ":code FILE.cu" in out  # the :help listing
    assert "Scorecard · behavioral" in out
    assert re.search(r"Session: \d+\.\d/10, (strong no|no|lean hire|hire|strong hire)", out)

    storage = Storage(load_settings()[0].database_path)
    (session,) = storage.sessions()
    assert session.status == SessionStatus.FINISHED
    replies = [t for t in storage.turns(session.id) if t.role == "candidate"]
    assert replies[0].text == "\n".join(STORY)
    cards = storage.score_cards()
    assert {card.card.item_id for card in cards} == {t.item_id for t in replies}
    storage.close()


@pytest.mark.slow
def test_end_of_input_saves_the_session_and_resume_finishes_it() -> None:
    first = _tutor("interview", "--plain", "--format", "final_assessment", "--seed", "1",
                   stdin="PagedAttention stores the KV cache in fixed-size blocks\nlike pages of virtual memory.\n")
    assert first.returncode == 0, first.stderr
    match = re.search(r"Resume with: tutor interview --plain --resume (\S+)", first.stdout)
    assert match is not None, first.stdout
    session_id = match.group(1)
    storage = Storage(load_settings()[0].database_path)
    assert storage.get_session(session_id).status == SessionStatus.PAUSED
    assert [s.id for s in SessionEngine.unfinished(storage)] == [session_id]
    storage.close()

    listed = _tutor("interview", "--list", stdin="")
    assert session_id in listed.stdout

    second = _tutor("interview", "--plain", "--resume", session_id, stdin=":end\n")
    assert second.returncode == 0, second.stderr
    assert "Final assessment:" in second.stdout and "/150" in second.stdout
    storage = Storage(load_settings()[0].database_path)
    assert storage.get_session(session_id).status == SessionStatus.FINISHED
    storage.close()


def test_bad_arguments_are_one_line_errors() -> None:
    result = _tutor("interview", "--plain", "--resume", "no-such-session", stdin="")
    assert result.returncode == 2
    assert result.stderr.strip() == "tutor interview: no session 'no-such-session'"
    none_left = _tutor("interview", "--plain", "--resume", stdin="")
    assert none_left.returncode == 2 and "no unfinished interview" in none_left.stderr

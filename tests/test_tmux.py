"""The real `tutor` in a real terminal (tmux): a short offline interview to its scorecard, the gap report, quit; then a
kill -9 in the middle of typing an answer, and the resume offer with the draft on the next start.

Polls `tmux capture-pane` until the expected text shows (with a timeout) instead of sleeping fixed times.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]

TUTOR = Path(sys.executable).with_name("tutor")
WIDTH, HEIGHT = 100, 32
ANSWER = ("Each thread of a warp should read consecutive addresses so the loads coalesce into few memory "
          "transactions; shared memory tiles let the block reuse data and cut global memory traffic.")
DRAFT = "My unfinished draft about warp divergence and occupancy"


class Terminal:
    """One tmux session on a private server (its own socket), running one command."""

    def __init__(self, home: Path) -> None:
        self.socket = f"tutor-test-{uuid.uuid4().hex[:8]}"
        self.session = "tutor"
        self.home = home

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self) -> None:
        environment = {key: value for key, value in os.environ.items()
                       if key not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "TUTOR_PROVIDER", "TUTOR_LITELLM_MODEL")}
        environment.update({"TUTOR_HOME": str(self.home), "TERM": "xterm-256color", "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        exports = " ".join(f"{key}='{value}'" for key, value in environment.items()
                           if key in ("TUTOR_HOME", "TERM", "PATH", "HOME", "LITELLM_LOCAL_MODEL_COST_MAP", "LANG", "PYTHONPATH"))
        # `exec` makes the app the pane's process, so its pid is the app's (for kill -9).
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT),
                  f"exec env -i {exports} {TUTOR}")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session, check=False)

    def wait_for(self, *texts: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{texts} not on screen after {timeout:.0f} s; the screen shows:\n{shown}")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", self.session],
                              capture_output=True, timeout=20).returncode == 0

    def close(self) -> None:
        self.tmux("kill-server", check=False)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not TUTOR.exists():
        pytest.skip(f"{TUTOR} is not installed (pip install -e .)")
    shown = Terminal(tmp_path / "home")
    yield shown
    shown.close()


def _wait_exit(terminal: Terminal, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_interview_scorecard_report_then_kill_and_resume(terminal: Terminal) -> None:
    # 1. A short offline interview, to its scorecard, then the gap report, then quit.
    terminal.start()
    terminal.wait_for("Mock interview", "Gap report", timeout=30)
    terminal.keys("i")
    terminal.wait_for("Technical deep dive", "Start interview")
    terminal.keys("s")
    terminal.wait_for("question 1/1", "Your turn.", timeout=60)
    terminal.type(ANSWER)
    terminal.keys("C-s")
    terminal.wait_for("coalesce into few memory", "Your turn.", timeout=90)  # the follow-up has been spoken
    terminal.keys("F4")  # end the interview: the interviewer closes, then the scorecard
    card = terminal.wait_for("Overall", "/10", timeout=120)
    assert "Questions" in card
    terminal.keys("g")
    # A fresh profile embeds the whole bank for the first report (cached in the database afterwards): be patient.
    terminal.wait_for("Readiness", "/150", timeout=600)
    terminal.keys("C-q")
    _wait_exit(terminal)
    assert not terminal.alive(), "the app did not quit on Ctrl+Q"

    # 2. Start again, type part of an answer, kill -9 once the draft is saved.
    terminal.start()
    terminal.wait_for("Mock interview", timeout=30)
    terminal.keys("i")
    terminal.wait_for("Start interview")
    terminal.keys("s")
    terminal.wait_for("question 1/1", "Your turn.", timeout=60)
    terminal.type(DRAFT)
    terminal.wait_for("draft saved", timeout=20)
    os.kill(terminal.pid(), signal.SIGKILL)
    _wait_exit(terminal)

    # 3. Start again: the resume offer, with the draft; resuming puts the draft back in the answer box.
    terminal.start()
    offer = terminal.wait_for("did not finish", DRAFT, timeout=40)  # the preview fills just after the first frame
    assert DRAFT in offer, offer
    terminal.keys("Enter")
    resumed = terminal.wait_for("Your answer", DRAFT, timeout=60)
    assert "question 1/1" in resumed
    terminal.keys("C-q")
    _wait_exit(terminal)

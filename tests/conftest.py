from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from question_bank.loader import Bank, load_bank
from tutor.judge.worker import JudgeWorker

REPO = Path(__file__).resolve().parent.parent


def _gpu_available() -> bool:
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _gpu_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU (run on the lent H100 through the device tool)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JudgeWorker]:
    """A judge worker shared by a module's GPU tests (started on first use)."""
    shared = JudgeWorker(tmp_path_factory.mktemp("judge"))
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user config or data directory, or sees a real API key."""
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path_factory.mktemp("tutor-home")))
    for variable in ("ANTHROPIC_API_KEY", "TUTOR_PROVIDER", "TUTOR_LITELLM_MODEL", "TUTOR_DATA_DIR", "OPENAI_API_KEY"):
        monkeypatch.delenv(variable, raising=False)

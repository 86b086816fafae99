"""The LLM with no provider configured, provider selection from settings, retry timing, and lazy imports."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.llm_http import GradeDraft, make_prompt
from tutor.config import Settings, load_settings
from tutor.llm import LLM, CancelToken, LLMUnavailable, OfflineProvider, RetryPolicy, default_sleep, status_for

REPO = Path(__file__).resolve().parent.parent


def test_fresh_machine_is_offline_and_says_what_a_key_would_add() -> None:
    settings, _ = load_settings()
    llm = LLM.from_settings(settings)

    assert not llm.online and llm.provider_name == "offline" and llm.model == "none"
    assert "ANTHROPIC_API_KEY" in llm.status_line and "embedding grader" in llm.status_line
    with pytest.raises(LLMUnavailable) as raised:
        llm.stream(make_prompt())  # raised at the call, before any iteration
    assert raised.value.user_message == llm.status_line
    with pytest.raises(LLMUnavailable):
        llm.structured(make_prompt(), GradeDraft)
    total = llm.usage_total()
    assert (total.input_tokens, total.output_tokens, total.cost_usd) == (0, 0, None)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"provider": "offline", "anthropic_api_key": SecretStr("sk-ant-unused-0123456789")}, "Offline by choice"),
    ({"provider": "anthropic"}, "ANTHROPIC_API_KEY is not set"),
    ({"provider": "litellm"}, "no litellm_model is configured"),
])
def test_a_provider_that_cannot_run_explains_why(tmp_path: Path, changes: dict[str, object], expected: str) -> None:
    settings = Settings(data_dir=tmp_path, **changes)  # type: ignore[arg-type]
    llm = LLM.from_settings(settings)
    assert not llm.online and expected in llm.status_line
    assert status_for(settings) == llm.status_line  # what `tutor config` shows
    assert "sk-ant-unused" not in llm.status_line


def test_provider_choice_follows_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-0123456789abcdef")
    monkeypatch.setenv("TUTOR_ANTHROPIC_MODEL", "claude-haiku-4-5")
    settings, _ = load_settings()
    llm = LLM.from_settings(settings)
    assert llm.online and (llm.provider_name, llm.model) == ("anthropic", "claude-haiku-4-5")
    assert "0123456789abcdef" not in repr(llm) + llm.status_line
    assert status_for(settings) == llm.status_line

    litellm_llm = LLM.from_settings(Settings(data_dir=tmp_path, litellm_model="ollama/llama3.1"))
    assert litellm_llm.online and (litellm_llm.provider_name, litellm_llm.model) == ("litellm", "ollama/llama3.1")


def test_offline_provider_refuses_with_its_reason() -> None:
    provider = OfflineProvider("No model today.")
    with pytest.raises(LLMUnavailable, match="No model today"):
        provider.structured(make_prompt(), GradeDraft, None)


def test_backoff_is_exponential_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0, rng=random.Random(5))
    for attempt in range(8):
        ceiling = min(30.0, 2.0 ** attempt)
        delays = [policy.delay(attempt, None) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(set(delays)) > 1
    assert policy.delay(0, 7.0) == 7.0
    assert policy.delay(0, 600.0) == 30.0  # a huge retry-after is capped, not obeyed for minutes


def test_default_sleep_wakes_early_when_cancelled() -> None:
    token = CancelToken()
    token.cancel()
    started = time.monotonic()
    default_sleep(30.0, token)
    assert time.monotonic() - started < 1.0


def test_importing_the_llm_layer_or_building_an_llm_does_not_import_the_sdks(tmp_path: Path) -> None:
    """anthropic takes 3-4 s to import and litellm about 7 s: they load on the first request, in a worker."""
    code = ("import sys\n"
            "from pydantic import SecretStr\n"
            "from tutor.config import Settings\n"
            "from tutor.llm import LLM\n"
            f"for settings in (Settings(data_dir={str(tmp_path)!r}, anthropic_api_key=SecretStr('sk-ant-0123456789abc')),\n"
            f"                 Settings(data_dir={str(tmp_path)!r}, litellm_model='openai/gpt-4o-mini')):\n"
            "    assert LLM.from_settings(settings).online\n"
            "heavy = [m for m in ('anthropic', 'litellm', 'openai', 'httpx2') if m in sys.modules]\n"
            "print(heavy)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_a_missing_sdk_switches_to_offline_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)  # makes `import anthropic` fail as if not installed
    llm = LLM.from_settings(Settings(data_dir=tmp_path, anthropic_api_key=SecretStr("sk-ant-0123456789abcdef")))
    with pytest.raises(LLMUnavailable, match="anthropic package is not installed"):
        list(llm.stream(make_prompt()))
    assert not llm.online and "not installed" in llm.status_line


def test_tutor_config_shows_the_llm_status(capsys: pytest.CaptureFixture[str]) -> None:
    from tutor.cli import main

    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "llm:         No LLM is configured, so the interview runs offline" in shown

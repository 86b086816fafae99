"""The litellm provider: real litellm over the real openai SDK; only the HTTP transport is fake (recorded responses)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.llm_http import TEXT, GradeDraft, Reply, Server, make_prompt
from tutor.config import Settings
from tutor.llm import LLM, CancelToken, InvalidOutput, LLMCancelled, LLMUnavailable
from tutor.records import LLMUsage

KEY = "sk-proj-TESTKEY0123456789abcdefghijklmnopqrstuvwxyzQQQQ"
OFFLINE = "continuing offline: scripted follow-ups and the embedding grader."


class Harness:
    def __init__(self, tmp_path: Path, *replies: Reply, model: str = "openai/gpt-4o-mini") -> None:
        self.server = Server(httpx, *replies)
        self.usage: list[LLMUsage] = []
        self.sleeps: list[float] = []
        settings = Settings(data_dir=tmp_path, litellm_model=model)
        self.llm = LLM.from_settings(settings, session_id="s-7", on_usage=self.usage.append,
                                     http_client=self.server.client(), sleep=self.sleep)

    def sleep(self, seconds: float, cancel: CancelToken | None) -> None:
        self.sleeps.append(seconds)


@pytest.fixture(autouse=True)
def _openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def test_stream_yields_text_and_records_usage_with_cached_tokens(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_stream.sse"))
    assert h.llm.online and h.llm.provider_name == "litellm" and h.llm.model == "openai/gpt-4o-mini"
    prompt = make_prompt()

    assert "".join(h.llm.stream(prompt)) == TEXT

    request = h.server.requests[0]
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = h.server.body()
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.3 and body["max_tokens"] == 300
    assert body["messages"] == [{"role": "system", "content": f"{prompt.system}\n\n{prompt.cached_context}"},
                                {"role": "user", "content": "Adjacent threads read adjacent addresses."}]
    (usage,) = h.usage
    assert (usage.session_id, usage.provider, usage.model) == ("s-7", "litellm", "openai/gpt-4o-mini")
    assert (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens) == (1900 - 1792, 1792, 29)
    # gpt-4o-mini in litellm's bundled price map: $0.15 input, $0.075 cached input, $0.60 output per million tokens.
    assert usage.cost_usd == pytest.approx((108 * 0.15 + 1792 * 0.075 + 29 * 0.60) / 1e6)
    assert h.llm.usage_total().cost_usd == pytest.approx(usage.cost_usd)


def test_structured_output_uses_the_json_schema_response_format(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_json_valid.json"))

    grade = h.llm.structured(make_prompt(purpose="grading"), GradeDraft)

    assert grade.overall == 5.5 and grade.points[0].quote == "each thread reads consecutive addresses"
    body = h.server.body()
    assert "stream" not in body or body["stream"] is False
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "GradeDraft"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["points", "overall", "feedback"]
    assert [(u.purpose, u.input_tokens, u.output_tokens) for u in h.usage] == [("grading", 640, 120)]


def test_invalid_json_is_retried_once_with_the_error_then_validated(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_json_invalid.json"), Reply("openai_json_valid.json"))

    grade = h.llm.structured(make_prompt(purpose="grading"), GradeDraft)

    assert grade.overall == 5.5
    retry = h.server.body(1)["messages"]
    assert retry[-2]["role"] == "assistant" and '"five and a half"' in retry[-2]["content"]
    assert retry[-1]["role"] == "user" and "failed validation" in retry[-1]["content"] and "overall" in retry[-1]["content"]
    assert len(h.usage) == 2


def test_invalid_json_twice_raises_invalid_output(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_json_invalid.json"), Reply("openai_json_invalid.json"))
    with pytest.raises(InvalidOutput):
        h.llm.structured(make_prompt(purpose="grading"), GradeDraft)
    assert h.llm.online


def test_a_model_without_schema_support_is_asked_for_json_in_the_prompt(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_json_in_text.json"), model="openai/tutor-local-model")

    grade = h.llm.structured(make_prompt(purpose="grading"), GradeDraft)

    assert grade.feedback.startswith("You explained coalescing")
    body = h.server.body()
    assert "response_format" not in body
    assert "matches this JSON schema" in body["messages"][0]["content"] and '"overall"' in body["messages"][0]["content"]
    assert h.usage[0].cost_usd is None  # no price known for this model


def test_rejected_key_switches_to_offline_without_showing_the_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tutor.llm")
    h = Harness(tmp_path, Reply("openai_error_401.json", status=401))

    with pytest.raises(LLMUnavailable) as raised:
        list(h.llm.stream(make_prompt()))

    assert raised.value.user_message == f"The openai provider rejected the API key (401); {OFFLINE}"
    assert not h.llm.online and h.llm.status_line == raised.value.user_message and h.sleeps == []
    for shown in (str(raised.value), repr(h.llm), h.llm.status_line, caplog.text):
        assert KEY not in shown and "2xQk" not in shown


def test_rate_limit_is_retried_honouring_retry_after(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_error_429.json", status=429, headers={"retry-after": "20"}), Reply("openai_stream.sse"))
    assert "".join(h.llm.stream(make_prompt())) == TEXT
    assert h.sleeps == [20.0] and len(h.server.requests) == 2


def test_network_failure_after_retries_switches_to_offline(tmp_path: Path) -> None:
    h = Harness(tmp_path, *[Reply(error="ConnectError") for _ in range(4)])
    with pytest.raises(LLMUnavailable) as raised:
        list(h.llm.stream(make_prompt()))
    assert raised.value.user_message == f"openai/gpt-4o-mini could not be reached (network error) after 3 retries; {OFFLINE}"
    assert len(h.server.requests) == 4 and not h.llm.online


def test_cancel_mid_stream(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("openai_stream.sse"))
    cancel = CancelToken()
    received = []
    with pytest.raises(LLMCancelled):
        for text in h.llm.stream(make_prompt(), cancel=cancel):
            received.append(text)
            cancel.cancel()
    assert received == ["Good start on coalescing. "] and h.llm.online

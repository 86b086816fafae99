"""The Anthropic provider under the real anthropic SDK; only the HTTP transport is fake (recorded responses)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx2
import pytest
from pydantic import SecretStr

from tests.llm_http import TEXT, GradeDraft, Reply, Server, make_prompt
from tutor.config import Settings
from tutor.llm import (
    LLM,
    CancelToken,
    InvalidOutput,
    LLMCancelled,
    LLMUnavailable,
    anthropic_cost,
)
from tutor.records import LLMUsage
from tutor.storage import Storage

KEY = "sk-ant-api03-TESTKEY-0123456789abcdefghijklmnopqrstuvwxyz-QQQQ"
OFFLINE = "continuing offline: scripted follow-ups and the embedding grader."


class Harness:
    def __init__(self, tmp_path: Path, *replies: Reply, model: str = "claude-sonnet-4-6") -> None:
        self.server = Server(httpx2, *replies)
        self.usage: list[LLMUsage] = []
        self.sleeps: list[float] = []
        self.settings = Settings(data_dir=tmp_path, anthropic_api_key=SecretStr(KEY), anthropic_model=model)
        self.llm = LLM.from_settings(self.settings, session_id="s-1", on_usage=self.usage.append,
                                     http_client=self.server.client(), sleep=self.sleep)

    def sleep(self, seconds: float, cancel: CancelToken | None) -> None:
        self.sleeps.append(seconds)


def test_stream_yields_text_deltas_from_a_real_request(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_cache_write.sse"))
    assert h.llm.online and h.llm.provider_name == "anthropic" and h.llm.model == "claude-sonnet-4-6"

    chunks = list(h.llm.stream(make_prompt()))

    assert len(chunks) == 3 and "".join(chunks) == TEXT
    request = h.server.requests[0]
    assert request.method == "POST" and request.url.path == "/v1/messages"
    # this SDK sends the key as a bearer token (older ones used x-api-key); either way it is the configured key
    assert KEY in (request.headers.get("x-api-key"), request.headers.get("authorization", "").removeprefix("Bearer "))
    assert request.headers["anthropic-version"]
    body = h.server.body()
    assert body["model"] == "claude-sonnet-4-6" and body["max_tokens"] == 300 and body["stream"] is True
    assert body["temperature"] == 0.3
    assert body["messages"] == [{"role": "user", "content": "Adjacent threads read adjacent addresses."}]


def test_instructions_and_stable_context_are_marked_for_prompt_caching(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_cache_write.sse"), Reply("anthropic_stream_cache_read.sse"))
    prompt = make_prompt()
    list(h.llm.stream(prompt))
    list(h.llm.stream(prompt.model_copy(update={"cached_context": ""})))

    ephemeral = {"type": "ephemeral"}
    assert h.server.body(0)["system"] == [{"type": "text", "text": prompt.system, "cache_control": ephemeral},
                                          {"type": "text", "text": prompt.cached_context, "cache_control": ephemeral}]
    assert h.server.body(1)["system"] == [{"type": "text", "text": prompt.system, "cache_control": ephemeral}]
    assert all("cache_control" not in message for message in h.server.body(0)["messages"])


def test_usage_with_cache_tokens_and_cost_is_recorded_in_storage(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "tutor.db")
    server = Server(httpx2, Reply("anthropic_stream_cache_write.sse"), Reply("anthropic_stream_cache_read.sse"))
    settings = Settings(data_dir=tmp_path, anthropic_api_key=SecretStr(KEY), anthropic_model="claude-sonnet-4-6")
    llm = LLM.from_settings(settings, session_id="s-42", on_usage=storage.add_llm_usage, http_client=server.client())

    list(llm.stream(make_prompt()))
    list(llm.stream(make_prompt(purpose="grading")))

    first, second = storage.llm_usage("s-42")
    assert (first.purpose, first.provider, first.model) == ("interview", "anthropic", "claude-sonnet-4-6")
    assert (first.input_tokens, first.output_tokens, first.cache_write_tokens, first.cache_read_tokens) == (42, 31, 1850, 0)
    assert (second.purpose, second.input_tokens, second.cache_read_tokens, second.cache_write_tokens) == ("grading", 57, 1850, 0)
    # Sonnet 4.6: $3 input, $15 output, $3.75 cache write, $0.30 cache read per million tokens.
    assert first.cost_usd == pytest.approx((42 * 3 + 31 * 15 + 1850 * 3.75) / 1e6)
    assert second.cost_usd == pytest.approx((57 * 3 + 31 * 15 + 1850 * 0.30) / 1e6)
    total = llm.usage_total()
    assert (total.session_id, total.input_tokens, total.output_tokens) == ("s-42", 99, 62)
    assert (total.cache_read_tokens, total.cache_write_tokens) == (1850, 1850)
    assert total.cost_usd == pytest.approx(first.cost_usd + second.cost_usd)


def test_temperature_is_left_out_for_models_that_reject_sampling_parameters(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_cache_write.sse"), model="claude-sonnet-5")
    list(h.llm.stream(make_prompt(temperature=0.7)))
    assert "temperature" not in h.server.body()


def test_rate_limit_and_overload_are_retried_honouring_retry_after(tmp_path: Path) -> None:
    h = Harness(tmp_path,
                Reply("anthropic_error_429.json", status=429, headers={"retry-after": "7"}),
                Reply("anthropic_error_529.json", status=529),
                Reply("anthropic_stream_cache_write.sse"))

    assert "".join(h.llm.stream(make_prompt())) == TEXT

    assert len(h.server.requests) == 3
    assert h.sleeps[0] == 7.0  # the server's retry-after
    assert 1.0 <= h.sleeps[1] <= 2.0  # second retry: backoff 2 s with jitter over its upper half
    assert len(h.usage) == 1  # failed attempts are not billed


def test_overload_reported_inside_the_stream_before_any_text_is_retried(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_overloaded_event.sse"), Reply("anthropic_stream_cache_write.sse"))
    assert "".join(h.llm.stream(make_prompt())) == TEXT
    assert len(h.server.requests) == 2 and len(h.sleeps) == 1


def test_rate_limit_outlasting_the_retries_fails_the_turn_but_stays_online(tmp_path: Path) -> None:
    h = Harness(tmp_path, *[Reply("anthropic_error_429.json", status=429) for _ in range(4)])

    with pytest.raises(LLMUnavailable) as raised:
        list(h.llm.stream(make_prompt()))

    assert raised.value.user_message == ("Anthropic rate-limited the request (429) after 3 retries; "
                                         "this turn continues offline.")
    assert len(h.server.requests) == 4 and len(h.sleeps) == 3
    assert h.llm.online


def test_cancel_mid_stream_stops_and_records_what_was_billed(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_cache_write.sse"))
    cancel = CancelToken()
    received = []

    with pytest.raises(LLMCancelled):
        for text in h.llm.stream(make_prompt(), cancel=cancel):
            received.append(text)
            cancel.cancel()

    assert received == ["Good start on coalescing. "]
    assert len(h.usage) == 1 and h.usage[0].input_tokens == 42 and h.usage[0].cache_write_tokens == 1850
    assert h.llm.online


def test_a_caller_that_stops_reading_still_gets_the_usage_recorded(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_cache_read.sse"))
    chunks = h.llm.stream(make_prompt())
    assert next(chunks) == "Good start on coalescing. "
    chunks.close()  # type: ignore[attr-defined]
    assert [(u.input_tokens, u.cache_read_tokens) for u in h.usage] == [(57, 1850)]


def test_cancel_during_backoff_makes_no_further_request(tmp_path: Path) -> None:
    server = Server(httpx2, Reply("anthropic_error_529.json", status=529), Reply("anthropic_stream_cache_write.sse"))
    cancel = CancelToken()
    waited: list[float] = []

    def user_cancels_while_waiting(seconds: float, token: CancelToken | None) -> None:
        waited.append(seconds)
        assert token is cancel
        cancel.cancel()

    settings = Settings(data_dir=tmp_path, anthropic_api_key=SecretStr(KEY), anthropic_model="claude-sonnet-4-6")
    llm = LLM.from_settings(settings, http_client=server.client(), sleep=user_cancels_while_waiting)

    with pytest.raises(LLMCancelled):
        list(llm.stream(make_prompt(), cancel=cancel))
    assert len(server.requests) == 1 and len(waited) == 1


def test_a_cancelled_token_is_checked_before_the_first_request(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_cache_write.sse"))
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(LLMCancelled):
        list(h.llm.stream(make_prompt(), cancel=cancel))
    assert h.server.requests == []


def test_rejected_key_switches_to_offline_with_one_sentence(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = Harness(tmp_path, Reply("anthropic_error_401.json", status=401))

    with pytest.raises(LLMUnavailable) as raised:
        list(h.llm.stream(make_prompt()))

    sentence = f"Anthropic rejected the API key (401); {OFFLINE}"
    assert raised.value.user_message == sentence and str(raised.value) == sentence
    assert not h.llm.online and h.llm.provider_name == "offline" and h.llm.status_line == sentence
    assert h.sleeps == []  # an auth failure is not retried
    with pytest.raises(LLMUnavailable, match="rejected the API key"):
        h.llm.stream(make_prompt())
    with pytest.raises(LLMUnavailable):
        h.llm.structured(make_prompt(), GradeDraft)
    assert len(h.server.requests) == 1  # offline afterwards: nothing more is sent
    for shown in (str(raised.value), repr(raised.value), repr(h.llm), h.llm.status_line, caplog.text):
        assert KEY not in shown and KEY[-12:] not in shown


def test_network_failure_after_retries_switches_to_offline(tmp_path: Path) -> None:
    h = Harness(tmp_path, *[Reply(error="ConnectError") for _ in range(4)])

    with pytest.raises(LLMUnavailable) as raised:
        list(h.llm.stream(make_prompt()))

    assert raised.value.user_message == f"Anthropic could not be reached (network error) after 3 retries; {OFFLINE}"
    assert len(h.server.requests) == 4 and len(h.sleeps) == 3
    assert not h.llm.online and h.llm.status_line == raised.value.user_message


def test_a_timeout_is_retried_then_succeeds(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply(error="ReadTimeout"), Reply("anthropic_stream_cache_write.sse"))
    assert "".join(h.llm.stream(make_prompt())) == TEXT
    assert len(h.sleeps) == 1 and h.llm.online


def test_unknown_model_switches_to_offline(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_error_404_model.json", status=404), model="claude-sonnet-9")
    with pytest.raises(LLMUnavailable, match="does not know the model 'claude-sonnet-9'"):
        list(h.llm.stream(make_prompt()))
    assert not h.llm.online


def test_structured_output_through_a_forced_tool_call(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_tool_use_valid.json"))

    grade = h.llm.structured(make_prompt(purpose="grading"), GradeDraft)

    assert grade.overall == 5.5 and [p.point_id for p in grade.points] == ["p1", "p2"]
    body = h.server.body()
    assert body["tools"] == [{"name": "record_grade_draft", "description": "Record the grade of one answer against its rubric.",
                              "input_schema": GradeDraft.model_json_schema()}]
    assert body["tool_choice"] == {"type": "tool", "name": "record_grade_draft"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "stream" not in body
    assert [(u.purpose, u.input_tokens, u.output_tokens, u.cache_read_tokens) for u in h.usage] == [("grading", 512, 180, 2210)]


def test_invalid_structured_output_is_retried_once_with_the_validation_error(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_tool_use_invalid.json"), Reply("anthropic_tool_use_valid.json"))

    grade = h.llm.structured(make_prompt(purpose="grading"), GradeDraft)

    assert grade.overall == 5.5
    retry_messages = h.server.body(1)["messages"]
    assert retry_messages[0] == {"role": "user", "content": "Adjacent threads read adjacent addresses."}
    tool_use = retry_messages[1]["content"][0]
    assert retry_messages[1]["role"] == "assistant" and tool_use["type"] == "tool_use"
    assert tool_use["id"] == "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
    result = retry_messages[2]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == tool_use["id"] and result["is_error"] is True
    assert "points.0.score" in result["content"] and "overall" in result["content"] and "feedback" in result["content"]
    assert len(h.usage) == 2  # both calls were billed


def test_invalid_structured_output_twice_raises_invalid_output(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_tool_use_invalid.json"), Reply("anthropic_tool_use_invalid.json"))
    with pytest.raises(InvalidOutput, match="GradeDraft failed validation twice"):
        h.llm.structured(make_prompt(purpose="grading"), GradeDraft)
    assert len(h.server.requests) == 2 and h.llm.online


def test_models_that_reject_a_forced_tool_get_the_json_output_format(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_json_output_valid.json"), model="claude-sonnet-5-5")

    grade = h.llm.structured(make_prompt(purpose="grading"), GradeDraft)

    assert grade.feedback.startswith("You explained coalescing")
    body = h.server.body()
    assert "tools" not in body and "tool_choice" not in body and "temperature" not in body
    output_format = body["output_config"]["format"]
    assert output_format["type"] == "json_schema"
    assert set(output_format["schema"]["required"]) == {"points", "overall", "feedback"}
    assert h.usage[0].cost_usd == pytest.approx((512 * 2 + 180 * 10 + 2210 * 0.1) / 1e6)


def test_structured_output_failures_also_switch_offline(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_error_401.json", status=401))
    with pytest.raises(LLMUnavailable, match="rejected the API key"):
        h.llm.structured(make_prompt(), GradeDraft)
    assert not h.llm.online


def test_the_key_is_in_no_repr_or_status(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    for shown in (repr(h.llm), h.llm.status_line, repr(h.llm._provider), repr(h.settings)):
        assert KEY not in shown
    assert h.llm.status_line.startswith("Online: Anthropic claude-sonnet-4-6")


def test_price_table() -> None:
    assert anthropic_cost("claude-haiku-4-5-20251001", 1_000_000, 0, 0, 0) == pytest.approx(1.0)
    assert anthropic_cost("claude-opus-4-6", 0, 1_000_000, 0, 0) == pytest.approx(25.0)
    assert anthropic_cost("claude-unknown-1", 10, 10, 0, 0) is None


def test_a_failure_after_text_was_streamed_is_not_retried(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_stream_overloaded_after_text.sse"), Reply("anthropic_stream_cache_write.sse"))
    received = []
    with pytest.raises(LLMUnavailable, match="overloaded"):
        for text in h.llm.stream(make_prompt()):
            received.append(text)
    assert received == ["Good start on coalescing. "]  # a retry would have repeated this
    assert len(h.server.requests) == 1 and h.llm.online


def test_structured_output_is_retried_on_overload_and_cancellable_in_backoff(tmp_path: Path) -> None:
    h = Harness(tmp_path, Reply("anthropic_error_529.json", status=529), Reply("anthropic_tool_use_valid.json"))
    assert h.llm.structured(make_prompt(purpose="grading"), GradeDraft).overall == 5.5
    assert len(h.sleeps) == 1 and len(h.usage) == 1

    server = Server(httpx2, Reply("anthropic_error_529.json", status=529), Reply("anthropic_tool_use_valid.json"))
    cancel = CancelToken()
    settings = Settings(data_dir=tmp_path, anthropic_api_key=SecretStr(KEY), anthropic_model="claude-sonnet-4-6")
    llm = LLM.from_settings(settings, http_client=server.client(), sleep=lambda seconds, token: cancel.cancel())
    with pytest.raises(LLMCancelled):
        llm.structured(make_prompt(purpose="grading"), GradeDraft, cancel=cancel)
    assert len(server.requests) == 1

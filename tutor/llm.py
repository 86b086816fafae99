"""The LLM provider layer: one interface for streamed chat turns and structured output.

A leaf: imports nothing from the app but config and records, so rubrics and interviewers use it without cycles.
Providers: Anthropic (the `anthropic` SDK, when ANTHROPIC_API_KEY is set), any litellm model string from config, and
Offline (no key, no network: the default). Heavy SDKs are imported lazily, inside the providers.

Callers work with `LLM`:
    llm = LLM.from_settings(settings, session_id=..., on_usage=storage.add_llm_usage)
    llm.online                      -> False when offline (by config, or after a provider failure fell back)
    llm.status_line                 -> one sentence for the UI: what is in use, or why not and what a key would add
    for text in llm.stream(prompt, cancel=token): ...            # text deltas of one chat turn
    card = llm.structured(prompt, ScoreCardDraft, cancel=token)  # a validated pydantic object
    llm.usage_total()               -> the tokens and cost of every call so far
Both raise `LLMUnavailable` (with `.user_message`, one sentence) when there is no usable provider; after an auth or
network failure the LLM switches itself to offline, so the caller catches it once, shows the sentence and goes on
with its offline behaviour. A rate limit or overload that outlasts the retries fails that one call with
`LLMUnavailable` but keeps the provider. `structured` raises `InvalidOutput` when the model's output fails
validation twice; `LLMCancelled` means the caller's CancelToken stopped the request (text already streamed is partial).

Every call that reached the model reports an `LLMUsage` (tokens and cost; `input_tokens` counts uncached input
only, cache reads and writes are separate) to `on_usage`, including a call cancelled mid-stream.
Retries (rate limits, overload, 5xx, connection errors, timeouts) are done here, not by the SDKs, with exponential
backoff and jitter, honouring `retry-after`; the wait is cancellable. No API key appears in any message or repr.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, NoReturn, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from tutor.records import LLMUsage

if TYPE_CHECKING:
    from tutor.config import Settings

Schema = TypeVar("Schema", bound=BaseModel)
log = logging.getLogger(__name__)

OFFLINE_BEHAVIOUR = "continuing offline: scripted follow-ups and the embedding grader."


class ChatMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Prompt(BaseModel):
    """One request. `cached_context` is the long stable part (persona, bank item, rubric): providers that support
    prompt caching mark it cacheable, so a session pays for it once. `system` (the persona or grader instructions) is
    sent first and marked cacheable too, so a session with one persona reuses it across questions."""

    system: str
    cached_context: str = ""
    messages: list[ChatMessage]
    max_tokens: int = 1024
    temperature: float | None = None
    purpose: str = "interview"  # recorded with the usage: "interview", "grading", ...


class CancelToken:
    """Set from any thread to stop a request; providers check it between streamed chunks and before retries."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on cancel; True when cancelled."""
        return self._event.wait(seconds)


class LLMError(Exception):
    """A provider failure, with one sentence for the user."""

    kind: str = "error"

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class LLMUnavailable(LLMError):
    """No provider can answer now (offline by config, bad key, no network): go on with offline behaviour."""

    kind = "unavailable"


class ProviderDown(LLMUnavailable):
    """The provider cannot work for the rest of the process (rejected key, no network, unknown model):
    `LLM` switches to offline when it sees one. Callers need not tell it apart from LLMUnavailable."""


class LLMCancelled(LLMError):
    kind = "cancelled"


class InvalidOutput(LLMError):
    """Structured output did not validate, after the one retry."""

    kind = "invalid_output"


class Provider(Protocol):
    name: str  # "anthropic", "litellm", "offline"
    model: str

    def stream(self, prompt: Prompt, cancel: CancelToken | None) -> Iterator[str]: ...

    def structured(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None) -> Schema: ...


class OfflineProvider:
    """No model: every request is refused with a sentence saying what a key would add."""

    name = "offline"
    model = "none"

    def __init__(self, reason: str = "No LLM is configured, so the interview runs offline: scripted follow-ups from "
                                     "the bank and the embedding grader. Set ANTHROPIC_API_KEY (or a litellm model in "
                                     "`tutor config`) for interviewers that talk back and rubric grading by a model.") -> None:
        self.reason = reason

    def stream(self, prompt: Prompt, cancel: CancelToken | None) -> Iterator[str]:
        raise LLMUnavailable(self.reason)

    def structured(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None) -> Schema:
        raise LLMUnavailable(self.reason)


UsageSink = Callable[[LLMUsage], object]
Sleeper = Callable[[float, CancelToken | None], None]
"""Waits out a backoff delay; the default wakes early on cancel. Tests pass one that records delays and returns."""


def default_sleep(seconds: float, cancel: CancelToken | None) -> None:
    if cancel is None:
        time.sleep(seconds)
    else:
        cancel.wait(seconds)


# ---------------------------------------------------------------------------------------------------------------------
# The LLM facade


class LLM:
    """The one object the app holds: picks a provider from settings, records usage, falls back to offline."""

    def __init__(self, provider: Provider, *, session_id: str | None = None, on_usage: UsageSink | None = None,
                 status_line: str | None = None) -> None:
        self._provider: Provider = provider
        self._session_id = session_id
        self._on_usage = on_usage
        self._lock = threading.Lock()
        self._calls: list[LLMUsage] = []
        self._status_line = status_line or _describe(provider)

    @classmethod
    def from_settings(cls, settings: Settings, *, session_id: str | None = None, on_usage: UsageSink | None = None,
                      http_client: Any = None, sleep: Sleeper | None = None) -> LLM:
        """`http_client` goes under the SDK client: an `httpx2.Client` for Anthropic (the anthropic SDK is built on
        httpx2), an `httpx.Client` for litellm's openai-compatible models. Tests pass one over a MockTransport."""
        llm = cls(OfflineProvider(), session_id=session_id, on_usage=on_usage)
        reason = _offline_reason(settings)
        if reason is not None:
            llm._provider = OfflineProvider(reason)
        else:
            retry = RetryPolicy(max_retries=settings.llm_max_retries, sleep=sleep or default_sleep)
            llm._provider = _build_provider(settings, llm._record, retry, http_client)
        llm._status_line = _describe(llm._provider)
        return llm

    @property
    def online(self) -> bool:
        return not isinstance(self._provider, OfflineProvider)

    @property
    def provider_name(self) -> str:
        return self._provider.name

    @property
    def model(self) -> str:
        return self._provider.model

    @property
    def status_line(self) -> str:
        return self._status_line

    def stream(self, prompt: Prompt, cancel: CancelToken | None = None) -> Iterator[str]:
        """Text deltas of one reply. Raises LLMUnavailable at once when offline; later failures surface while
        iterating."""
        provider = self._provider
        if isinstance(provider, OfflineProvider):
            raise LLMUnavailable(provider.reason)
        return self._guarded_stream(provider, prompt, cancel)

    def _guarded_stream(self, provider: Provider, prompt: Prompt, cancel: CancelToken | None) -> Iterator[str]:
        try:
            yield from provider.stream(prompt, cancel)
        except ProviderDown as error:
            self._go_offline(error.user_message)
            raise

    def structured(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None = None) -> Schema:
        provider = self._provider
        try:
            return provider.structured(prompt, schema, cancel)
        except ProviderDown as error:
            self._go_offline(error.user_message)
            raise

    def usage_total(self) -> LLMUsage:
        """All calls of this LLM summed; cost is None when no call had a known price, else the sum of known costs."""
        with self._lock:
            calls = list(self._calls)
        costs = [call.cost_usd for call in calls if call.cost_usd is not None]
        return LLMUsage(session_id=self._session_id, purpose="total", provider=self.provider_name, model=self.model,
                        input_tokens=sum(call.input_tokens for call in calls),
                        output_tokens=sum(call.output_tokens for call in calls),
                        cache_read_tokens=sum(call.cache_read_tokens for call in calls),
                        cache_write_tokens=sum(call.cache_write_tokens for call in calls),
                        cost_usd=sum(costs) if costs else None)

    def __repr__(self) -> str:
        return f"LLM(provider={self.provider_name!r}, model={self.model!r}, online={self.online})"

    def _record(self, usage: LLMUsage) -> None:
        usage = usage.model_copy(update={"session_id": self._session_id})
        with self._lock:
            self._calls.append(usage)
        if self._on_usage is not None:
            self._on_usage(usage)

    def _go_offline(self, reason: str) -> None:
        with self._lock:
            if isinstance(self._provider, OfflineProvider):
                return
            log.warning("LLM provider %s switched offline: %s", self._provider.name, reason)
            self._provider = OfflineProvider(reason)
            self._status_line = reason


def status_for(settings: Settings) -> str:
    """The status line an LLM built from these settings starts with, without importing any SDK (`tutor config`)."""
    reason = _offline_reason(settings)
    if reason is not None:
        return reason
    if settings.effective_provider() == "anthropic":
        return _online_line("anthropic", settings.anthropic_model)
    return _online_line("litellm", settings.litellm_model or "")


def _offline_reason(settings: Settings) -> str | None:
    """Why these settings give no provider, or None when they name a usable one."""
    chosen = settings.effective_provider()
    if chosen == "anthropic" and settings.anthropic_api_key is None:
        return "The provider is set to anthropic but ANTHROPIC_API_KEY is not set; " + OFFLINE_BEHAVIOUR
    if chosen == "litellm" and not settings.litellm_model:
        return "The provider is set to litellm but no litellm_model is configured (`tutor config`); " + OFFLINE_BEHAVIOUR
    if chosen == "offline" and settings.provider == "offline":
        return ("Offline by choice (provider = offline): scripted follow-ups from the bank and the embedding grader. "
                "Set the provider to auto with ANTHROPIC_API_KEY set for interviewers that talk back and rubric "
                "grading by a model.")
    if chosen == "offline":
        return OfflineProvider().reason
    return None


def _build_provider(settings: Settings, record: UsageSink, retry: RetryPolicy, http_client: Any) -> Provider:
    if settings.effective_provider() == "anthropic" and settings.anthropic_api_key is not None:
        return AnthropicProvider(api_key=settings.anthropic_api_key.get_secret_value(), model=settings.anthropic_model,
                                 timeout=settings.llm_timeout_seconds, record=record, retry=retry, http_client=http_client)
    return LiteLLMProvider(model=settings.litellm_model or "", timeout=settings.llm_timeout_seconds, record=record,
                           retry=retry, http_client=http_client)


def _describe(provider: Provider) -> str:
    if isinstance(provider, OfflineProvider):
        return provider.reason
    return _online_line(provider.name, provider.model)


def _online_line(provider_name: str, model: str) -> str:
    if provider_name == "anthropic":
        return (f"Online: Anthropic {model}, with prompt caching of the persona and rubric context; "
                "interviewers talk back and a model grades against the rubric.")
    return f"Online: {model} through litellm; interviewers talk back and a model grades against the rubric."


# ---------------------------------------------------------------------------------------------------------------------
# Retries: shared by the providers. A provider turns each SDK exception into a _Failure; the loop decides.


class _Failure(Exception):
    """One failed attempt, classified. `kind`: "auth" and "gone" end the provider; "network" and "busy" are retried,
    and "network" ends the provider once retries run out; "refused" fails this call only."""

    def __init__(self, kind: Literal["auth", "gone", "network", "busy", "refused"], sentence: str,
                 retry_after: float | None = None) -> None:
        super().__init__(sentence)
        self.kind = kind
        self.sentence = sentence
        self.retry_after = retry_after


class RetryPolicy:
    def __init__(self, *, max_retries: int = 3, base_delay: float = 1.0, max_delay: float = 30.0,
                 sleep: Sleeper = default_sleep, rng: random.Random | None = None) -> None:
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.rng = rng or random.Random()

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before retry number `attempt` (0-based): the server's retry-after when given, else exponential
        backoff with full jitter over the upper half, so clients that failed together do not retry together."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** attempt)
        return ceiling * (0.5 + 0.5 * self.rng.random())


def _check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise LLMCancelled("Cancelled.")


def _give_up(failure: _Failure, retries: int) -> NoReturn:
    tried = f" after {retries} {'retry' if retries == 1 else 'retries'}" if retries else ""
    if failure.kind in ("auth", "gone"):
        raise ProviderDown(f"{failure.sentence}; {OFFLINE_BEHAVIOUR}") from failure
    if failure.kind == "network":
        raise ProviderDown(f"{failure.sentence}{tried}; {OFFLINE_BEHAVIOUR}") from failure
    if failure.kind == "busy":
        raise LLMUnavailable(f"{failure.sentence}{tried}; this turn continues offline.") from failure
    raise LLMUnavailable(f"{failure.sentence}; this turn continues offline.") from failure


def _wait_or_give_up(retry: RetryPolicy, cancel: CancelToken | None, failure: _Failure, retries: int) -> None:
    """Wait out the backoff before retry number `retries`, or raise when this failure ends the call."""
    if failure.kind not in ("network", "busy") or retries >= retry.max_retries:
        _give_up(failure, retries)
    wait = retry.delay(retries, failure.retry_after)
    log.info("LLM attempt failed (%s); retrying in %.1f s", failure.sentence, wait)
    retry.sleep(wait, cancel)  # the caller checks cancel before the next attempt


def _retrying(retry: RetryPolicy, cancel: CancelToken | None, attempt: Callable[[], Iterator[str]]) -> Iterator[str]:
    """Run `attempt` (a generator of text) until it succeeds, retrying failures that happen before any text was
    yielded; once text has reached the caller a retry would repeat it, so a later failure ends the call."""
    retries = 0
    while True:
        _check_cancel(cancel)
        yielded = False
        try:
            for text in attempt():
                yielded = True
                yield text
            return
        except _Failure as failure:
            if yielded:
                _give_up(failure, retries)
            _wait_or_give_up(retry, cancel, failure, retries)
            retries += 1


def _retrying_call(retry: RetryPolicy, cancel: CancelToken | None, attempt: Callable[[], Any]) -> Any:
    retries = 0
    while True:
        _check_cancel(cancel)
        try:
            return attempt()
        except _Failure as failure:
            _wait_or_give_up(retry, cancel, failure, retries)
            retries += 1


_KEYISH = re.compile(r"\b(sk|key|api)[-_][A-Za-z0-9_\-*]{8,}")


def _scrub(text: str, secret: str | None = None) -> str:
    """Upstream error text, safe to show: no key (ours or anything shaped like one), one line, short."""
    if secret:
        text = text.replace(secret, "[redacted]")
    text = _KEYISH.sub("[redacted]", text)
    text = " ".join(text.split())
    return text[:160]


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            continue  # an HTTP date: rare from these APIs; backoff does instead
    return None


def _json_from_text(text: str) -> Any:
    """The JSON object in a model's text reply, tolerating a code fence or a sentence around it."""
    stripped = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", stripped, re.DOTALL)
    if fenced:
        stripped = fenced.group(1).strip()
    start, end = stripped.find("{"), stripped.rfind("}")
    if start == -1 or end < start:
        raise ValueError("the reply contains no JSON object")
    return json.loads(stripped[start:end + 1])


def _invalid_twice(schema: type[BaseModel], problem: str) -> InvalidOutput:
    return InvalidOutput(f"The model's {schema.__name__} failed validation twice ({problem[:200]}); "
                         "this request continues offline.")


def _validation_problem(error: ValidationError | ValueError) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors())[:2000]
    return str(error)[:2000]


def _json_reply_validated(schema: type[Schema], messages: list[dict[str, Any]],
                          reply: Callable[[list[dict[str, Any]]], str]) -> Schema:
    """`reply(messages)` is the model's text for the conversation so far. A reply that is not valid JSON for `schema`
    is shown back to the model with the validation error, once; a second failure raises InvalidOutput."""
    for try_number in (1, 2):
        text = reply(messages)
        try:
            return schema.model_validate(_json_from_text(text))
        except (ValidationError, ValueError) as error:
            problem = _validation_problem(error)
            if try_number == 2:
                raise _invalid_twice(schema, problem) from error
            messages = [*messages, {"role": "assistant", "content": text or "(empty)"},
                        {"role": "user", "content": f"That JSON failed validation: {problem}. Reply again with "
                                                    "corrected JSON only."}]
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------------------------------
# Anthropic


class Price(BaseModel):
    """USD per million tokens."""

    input: float
    output: float
    cache_write: float  # 5-minute ephemeral cache write (the TTL this layer uses)
    cache_read: float


# From platform.claude.com/docs/en/about-claude/pricing and the model pages, checked 2026-11-23. Haiku 5.5 is left
# out on purpose: its price depends on the prompt length, so its cost is reported as unknown rather than guessed.
ANTHROPIC_PRICES: dict[str, Price] = {
    "claude-fable-5-1": Price(input=10, output=50, cache_write=12.5, cache_read=0.25),
    "claude-mythos-5-1": Price(input=10, output=50, cache_write=12.5, cache_read=0.25),
    "claude-fable-5": Price(input=10, output=50, cache_write=12.5, cache_read=1),
    "claude-mythos-5": Price(input=10, output=50, cache_write=12.5, cache_read=1),
    "claude-opus-5-5": Price(input=4, output=20, cache_write=5, cache_read=0.2),
    "claude-opus-5": Price(input=5, output=25, cache_write=6.25, cache_read=0.5),
    "claude-opus-4-8": Price(input=5, output=25, cache_write=6.25, cache_read=0.5),
    "claude-opus-4-7": Price(input=5, output=25, cache_write=6.25, cache_read=0.5),
    "claude-opus-4-6": Price(input=5, output=25, cache_write=6.25, cache_read=0.5),
    "claude-opus-4-5": Price(input=5, output=25, cache_write=6.25, cache_read=0.5),
    "claude-sonnet-5-5": Price(input=2, output=10, cache_write=2.5, cache_read=0.1),  # cache reads cut 2026-10-07
    "claude-sonnet-5": Price(input=2, output=10, cache_write=2.5, cache_read=0.2),
    "claude-sonnet-4-6": Price(input=3, output=15, cache_write=3.75, cache_read=0.3),
    "claude-sonnet-4-5": Price(input=3, output=15, cache_write=3.75, cache_read=0.3),
    "claude-haiku-4-5": Price(input=1, output=5, cache_write=1.25, cache_read=0.1),
}


def anthropic_price(model: str) -> Price | None:
    """The price of a model id, with or without its date suffix (claude-haiku-4-5-20251001)."""
    return ANTHROPIC_PRICES.get(re.sub(r"-\d{8}$", "", model))


def anthropic_cost(model: str, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int) -> float | None:
    price = anthropic_price(model)
    if price is None:
        return None
    return (input_tokens * price.input + output_tokens * price.output + cache_write * price.cache_write
            + cache_read * price.cache_read) / 1_000_000


# Claude 4.x accept sampling parameters and a forced tool choice; the 5.x generation rejects a non-default
# temperature (400), and the 5.5 generation also rejects a forced tool choice, so structured output there uses the
# API's JSON output format instead.
def _accepts_temperature(model: str) -> bool:
    return re.match(r"claude-(opus|sonnet|haiku)-4-|claude-3", model) is not None


def _accepts_forced_tool(model: str) -> bool:
    return re.match(r"claude-(opus|sonnet|haiku)-5-5", model) is None


class AnthropicProvider:
    """Claude through the `anthropic` SDK. The SDK's own retries are off: this layer retries so that backoff and
    cancellation are its own and testable. The SDK (3-4 s to import) is loaded on the first request, which callers
    make from a worker, so building an LLM never stalls the UI."""

    name = "anthropic"

    def __init__(self, *, api_key: str, model: str, timeout: float, record: UsageSink, retry: RetryPolicy,
                 http_client: Any = None) -> None:
        self.model = model
        self._record = record
        self._retry = retry
        self._timeout = timeout
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None  # (the anthropic module, its client)

        def connect() -> tuple[Any, Any]:  # a closure, so the key is held by the SDK client only, not by this object
            try:
                import anthropic
            except ImportError as error:
                raise ProviderDown("The anthropic package is not installed; " + OFFLINE_BEHAVIOUR) from error
            return anthropic, anthropic.Anthropic(api_key=api_key, http_client=http_client, max_retries=0, timeout=timeout)

        self._connect = connect

    def __repr__(self) -> str:
        return f"AnthropicProvider(model={self.model!r})"

    def _loaded_sdk(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._connect()
            return self._loaded

    @property
    def _sdk(self) -> Any:
        return self._loaded_sdk()[0]

    @property
    def _client(self) -> Any:
        return self._loaded_sdk()[1]

    # -- requests

    def _request(self, prompt: Prompt, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        # Two cache breakpoints: the instructions (stable for a session) and instructions + context (stable for a
        # question). A block shorter than the model's minimum cacheable length is simply not cached.
        system: list[dict[str, Any]] = [{"type": "text", "text": prompt.system, "cache_control": {"type": "ephemeral"}}]
        if prompt.cached_context:
            system.append({"type": "text", "text": prompt.cached_context, "cache_control": {"type": "ephemeral"}})
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": prompt.max_tokens,
            "system": system,
            "messages": messages if messages is not None else [m.model_dump() for m in prompt.messages],
        }
        if prompt.temperature is not None and _accepts_temperature(self.model):
            # This SDK no longer types sampling parameters (current models reject them); 4.x models still take one.
            request["extra_body"] = {"temperature": prompt.temperature}
        return request

    def stream(self, prompt: Prompt, cancel: CancelToken | None) -> Iterator[str]:
        request = self._request(prompt)
        return _retrying(self._retry, cancel, lambda: self._stream_once(request, prompt.purpose, cancel))

    def _stream_once(self, request: dict[str, Any], purpose: str, cancel: CancelToken | None) -> Iterator[str]:
        with self._failures(), self._client.messages.stream(**request) as stream:
            try:
                for event in stream:
                    if cancel is not None and cancel.cancelled:
                        raise LLMCancelled("Cancelled.")
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield event.delta.text
            except (LLMCancelled, GeneratorExit):  # cancelled, or the caller stopped reading: still billed
                self._record_message(_snapshot_or_none(stream), purpose)
                raise
            self._record_message(stream.get_final_message(), purpose)

    def structured(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None) -> Schema:
        if _accepts_forced_tool(self.model):
            return self._structured_by_tool(prompt, schema, cancel)
        return self._structured_by_json_output(prompt, schema, cancel)

    def _structured_by_tool(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None) -> Schema:
        tool_name = _tool_name(schema)
        tool = {"name": tool_name, "description": (schema.__doc__ or f"Record the {schema.__name__}.").strip(),
                "input_schema": schema.model_json_schema()}
        messages: list[dict[str, Any]] = [m.model_dump() for m in prompt.messages]
        for try_number in (1, 2):
            request = self._request(prompt, messages) | {"tools": [tool],
                                                         "tool_choice": {"type": "tool", "name": tool_name}}
            message = _retrying_call(self._retry, cancel, partial(self._create_once, request, prompt.purpose))
            block = next((b for b in message.content if b.type == "tool_use" and b.name == tool_name), None)
            try:
                if block is None:
                    raise ValueError(f"the reply did not call the {tool_name} tool")
                return schema.model_validate(block.input)
            except (ValidationError, ValueError) as error:
                problem = _validation_problem(error)
                if try_number == 2:
                    raise _invalid_twice(schema, problem) from error
                messages += _tool_correction(message, block, problem)
        raise AssertionError("unreachable")

    def _structured_by_json_output(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None) -> Schema:
        output_config = {"format": {"type": "json_schema", "schema": self._sdk.transform_schema(schema)}}

        def reply(messages: list[dict[str, Any]]) -> str:
            request = self._request(prompt, messages) | {"output_config": output_config}
            message = _retrying_call(self._retry, cancel, partial(self._create_once, request, prompt.purpose))
            return "".join(b.text for b in message.content if b.type == "text")

        return _json_reply_validated(schema, [m.model_dump() for m in prompt.messages], reply)

    def _create_once(self, request: dict[str, Any], purpose: str) -> Any:
        with self._failures():
            message = self._client.messages.create(**request)
        self._record_message(message, purpose)
        return message

    def _record_message(self, message: Any, purpose: str) -> None:
        if message is None:
            return
        usage = message.usage
        cache_read = usage.cache_read_input_tokens or 0
        cache_write = usage.cache_creation_input_tokens or 0
        self._record(LLMUsage(purpose=purpose, provider=self.name, model=self.model, input_tokens=usage.input_tokens,
                              output_tokens=usage.output_tokens, cache_read_tokens=cache_read,
                              cache_write_tokens=cache_write,
                              cost_usd=anthropic_cost(self.model, usage.input_tokens, usage.output_tokens, cache_read,
                                                      cache_write)))

    # -- failures

    def _failures(self) -> _FailureTranslator:
        return _FailureTranslator(self._classify)

    def _classify(self, error: BaseException) -> _Failure | None:
        sdk = self._sdk
        if isinstance(error, sdk.APITimeoutError):
            return _Failure("network", f"Anthropic did not answer within the timeout ({self._timeout:g} s)")
        if isinstance(error, sdk.APIConnectionError):
            return _Failure("network", "Anthropic could not be reached (network error)")
        if not isinstance(error, sdk.APIStatusError):
            return None
        status = error.status_code
        error_type = getattr(error, "type", None) or ""
        detail = _scrub(getattr(error, "api_message", None) or "", self._client.api_key)
        if status in (401, 403):
            what = "rejected the API key" if status == 401 else "refused the API key's permissions"
            return _Failure("auth", f"Anthropic {what} ({status})")
        if status == 429:
            return _Failure("busy", "Anthropic rate-limited the request (429)", _retry_after(error.response.headers))
        if status in (500, 502, 503, 504, 529) or error_type in ("overloaded_error", "api_error"):
            label = "is overloaded" if status == 529 or error_type == "overloaded_error" else "had a server error"
            shown = status if status != 200 else error_type
            return _Failure("busy", f"Anthropic {label} ({shown})", _retry_after(error.response.headers))
        if status == 404:
            return _Failure("gone", f"Anthropic does not know the model {self.model!r} (404: {detail})")
        return _Failure("refused", f"Anthropic refused the request ({status}: {detail})")


def _snapshot_or_none(stream: Any) -> Any:
    try:
        return stream.current_message_snapshot
    except AssertionError:  # cancelled before message_start: nothing was billed that we can see
        return None


def _tool_name(schema: type[BaseModel]) -> str:
    return "record_" + re.sub(r"(?<!^)(?=[A-Z])", "_", schema.__name__).lower()


def _tool_correction(message: Any, block: Any, problem: str) -> list[dict[str, Any]]:
    """The turns that tell the model its tool input failed validation, in the shape the API expects."""
    if block is None:
        text = "".join(b.text for b in message.content if b.type == "text") or "(empty)"
        return [{"role": "assistant", "content": text},
                {"role": "user", "content": f"You must call the tool. {problem}."}]
    return [{"role": "assistant", "content": [{"type": "tool_use", "id": block.id, "name": block.name,
                                               "input": block.input}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "is_error": True,
                                          "content": f"Validation failed: {problem}. Call the tool again with "
                                                     "corrected input."}]}]


class _FailureTranslator:
    """`with` block that turns SDK exceptions into _Failure; everything else passes through untouched."""

    def __init__(self, classify: Callable[[BaseException], _Failure | None]) -> None:
        self._classify = classify

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if error is None or isinstance(error, LLMError | _Failure | GeneratorExit):
            return
        failure = self._classify(error)
        if failure is not None:
            raise failure from error


# ---------------------------------------------------------------------------------------------------------------------
# litellm


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # else importing fetches a price list online
    import litellm

    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return litellm


class LiteLLMProvider:
    """Any model litellm knows, by its model string ("openai/gpt-4o", "ollama/llama3.1"); litellm reads that
    provider's key from the environment. Structured output uses the JSON-schema response format where the model
    supports it, else a JSON reply asked for in the prompt; both are validated with pydantic."""

    name = "litellm"

    def __init__(self, *, model: str, timeout: float, record: UsageSink, retry: RetryPolicy,
                 http_client: Any = None) -> None:
        if http_client is not None and "/" in model and not model.startswith("openai/"):
            # litellm passes a ready openai client through to its openai-compatible path; only that path can take one
            raise ValueError(f"http_client works only with openai-compatible litellm models, not {model!r}")
        self.model = model
        self._timeout = timeout
        self._record = record
        self._retry = retry
        self._http_client = http_client
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None  # (the litellm module, an openai client or None)

    def __repr__(self) -> str:
        return f"LiteLLMProvider(model={self.model!r})"

    def _loaded_sdk(self) -> tuple[Any, Any]:
        """litellm takes about 7 s to import here: done on the first request (in the caller's worker), once."""
        with self._lock:
            if self._loaded is None:
                try:
                    litellm = _import_litellm()
                except ImportError as error:
                    raise ProviderDown("The litellm package is not installed; " + OFFLINE_BEHAVIOUR) from error
                client = None
                if self._http_client is not None:
                    import openai

                    client = openai.OpenAI(api_key=os.environ.get("OPENAI_API_KEY") or "unset",
                                           http_client=self._http_client, max_retries=0)
                self._loaded = (litellm, client)
            return self._loaded

    @property
    def _litellm(self) -> Any:
        return self._loaded_sdk()[0]

    @property
    def _client(self) -> Any:
        return self._loaded_sdk()[1]

    def _messages(self, prompt: Prompt) -> list[dict[str, Any]]:
        # one system message, instructions then context: providers that cache prefixes (OpenAI does, from 1024
        # tokens) reuse it across a session's calls
        system = f"{prompt.system}\n\n{prompt.cached_context}" if prompt.cached_context else prompt.system
        return [{"role": "system", "content": system}, *(m.model_dump() for m in prompt.messages)]

    def _call(self, messages: list[dict[str, Any]], prompt: Prompt, **extra: Any) -> Any:
        arguments: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": prompt.max_tokens,
                                     "timeout": self._timeout, "max_retries": 0, **extra}
        if prompt.temperature is not None:
            arguments["temperature"] = prompt.temperature
        if self._client is not None:
            arguments["client"] = self._client
        with _FailureTranslator(self._classify):
            return self._litellm.completion(**arguments)

    def stream(self, prompt: Prompt, cancel: CancelToken | None) -> Iterator[str]:
        messages = self._messages(prompt)
        return _retrying(self._retry, cancel, lambda: self._stream_once(messages, prompt, cancel))

    def _stream_once(self, messages: list[dict[str, Any]], prompt: Prompt, cancel: CancelToken | None) -> Iterator[str]:
        response = self._call(messages, prompt, stream=True, stream_options={"include_usage": True})
        usage: Any = None
        with _FailureTranslator(self._classify):
            for chunk in response:
                if cancel is not None and cancel.cancelled:
                    self._record_usage(usage, prompt.purpose)
                    raise LLMCancelled("Cancelled.")
                usage = getattr(chunk, "usage", None) or usage
                text = chunk.choices[0].delta.content if chunk.choices else None
                if text:
                    yield text
        self._record_usage(usage, prompt.purpose)

    def structured(self, prompt: Prompt, schema: type[Schema], cancel: CancelToken | None) -> Schema:
        messages = self._messages(prompt)
        json_schema = schema.model_json_schema()
        if self._supports_response_schema():
            extra: dict[str, Any] = {"response_format": {"type": "json_schema", "json_schema": {
                "name": schema.__name__, "schema": json_schema, "strict": False}}}
        else:
            extra = {}
            messages[0]["content"] += ("\n\nReply with only a JSON object (no prose, no code fence) that matches this "
                                       f"JSON schema:\n{json.dumps(json_schema)}")

        def reply(messages: list[dict[str, Any]]) -> str:
            response = _retrying_call(self._retry, cancel, partial(self._call, list(messages), prompt, **extra))
            self._record_usage(getattr(response, "usage", None), prompt.purpose)
            return str(response.choices[0].message.content or "")

        return _json_reply_validated(schema, messages, reply)

    def _supports_response_schema(self) -> bool:
        try:
            return bool(self._litellm.supports_response_schema(model=self.model))
        except Exception:  # litellm raises for models missing from its map: treat as unsupported
            return False

    def _record_usage(self, usage: Any, purpose: str) -> None:
        if usage is None:
            return
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        details = getattr(usage, "prompt_tokens_details", None)
        cache_read = int(getattr(details, "cached_tokens", 0) or 0) or int(getattr(usage, "cache_read_input_tokens", 0) or 0)
        cache_write = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
        output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        self._record(LLMUsage(purpose=purpose, provider=self.name, model=self.model,
                              input_tokens=max(prompt_tokens - cache_read - cache_write, 0), output_tokens=output_tokens,
                              cache_read_tokens=cache_read, cache_write_tokens=cache_write,
                              cost_usd=self._cost(prompt_tokens, output_tokens, cache_read, cache_write)))

    def _cost(self, prompt_tokens: int, output_tokens: int, cache_read: int, cache_write: int) -> float | None:
        try:
            prompt_cost, completion_cost = self._litellm.cost_per_token(
                model=self.model, prompt_tokens=prompt_tokens, completion_tokens=output_tokens,
                cache_read_input_tokens=cache_read, cache_creation_input_tokens=cache_write)
        except Exception:  # litellm raises for models it has no price for (local models, new names)
            return None
        return float(prompt_cost + completion_cost)

    def _classify(self, error: BaseException) -> _Failure | None:
        import openai  # litellm's exceptions subclass openai's, whichever provider the model is on

        litellm = self._litellm
        if not isinstance(error, openai.OpenAIError):
            return None
        status = getattr(error, "status_code", None)
        headers = getattr(error, "litellm_response_headers", None)
        if isinstance(error, litellm.Timeout):
            return _Failure("network", f"{self.model} did not answer within the timeout ({self._timeout:g} s)")
        if isinstance(error, litellm.APIConnectionError) or _caused_by_connection_error(error):
            return _Failure("network", f"{self.model} could not be reached (network error)")
        if isinstance(error, litellm.AuthenticationError | litellm.PermissionDeniedError) or status in (401, 403):
            return _Failure("auth", f"The {self.model.split('/')[0]} provider rejected the API key ({status})")
        if isinstance(error, litellm.NotFoundError) or status == 404:
            return _Failure("gone", f"The model {self.model!r} was not found (404)")
        if isinstance(error, litellm.RateLimitError) or status == 429:
            return _Failure("busy", f"{self.model} rate-limited the request (429)", _retry_after(headers))
        if status in (500, 502, 503, 504, 529):
            return _Failure("busy", f"{self.model} had a server error ({status})", _retry_after(headers))
        detail = _scrub(str(getattr(error, "message", "") or error))
        return _Failure("refused", f"{self.model} refused the request ({status}: {detail})")


def _caused_by_connection_error(error: BaseException) -> bool:
    """litellm reports some connection failures as a 500; the exception chain still holds the transport error."""
    import httpx
    import openai

    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        if isinstance(link, openai.APIConnectionError | httpx.TransportError):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return "Connection error" in str(error)

"""The LLM provider layer: one interface for streamed chat turns and structured output.

A leaf: imports nothing from the app but config and records, so rubrics and interviewers use it without cycles.
Providers: Anthropic (the `anthropic` SDK, when ANTHROPIC_API_KEY is set), any litellm model string from config, and
Offline (no key, no network: the default). Heavy SDKs are imported lazily, inside the providers.

Callers work with `LLM`:
    llm = LLM.from_settings(settings, session_id=..., on_usage=storage.add_llm_usage)
    llm.online                      -> False when offline (by config, or after a provider failure fell back)
    for text in llm.stream(prompt, cancel=token): ...            # text deltas of one chat turn
    card = llm.structured(prompt, ScoreCardDraft, cancel=token)  # a validated pydantic object
Both raise `LLMUnavailable` (with `.user_message`, one sentence) when there is no usable provider; after an auth or
network failure the LLM switches itself to offline, so the caller catches it once, shows the sentence and goes on
with its offline behaviour.

STATUS: the interface and the offline provider are final; the Anthropic and litellm providers are being built (issue 5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from tutor.records import LLMUsage

Schema = TypeVar("Schema", bound=BaseModel)


class ChatMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Prompt(BaseModel):
    """One request. `cached_context` is the long stable part (persona, bank item, rubric): providers that support
    prompt caching mark it cacheable, so a session pays for it once."""

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


class LLMError(Exception):
    """A provider failure, with one sentence for the user."""

    kind: str = "error"

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class LLMUnavailable(LLMError):
    """No provider can answer now (offline by config, bad key, no network): go on with offline behaviour."""

    kind = "unavailable"


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

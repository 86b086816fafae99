"""A fake HTTP server for the LLM tests: recorded responses served in order under the real SDK clients.

Only the transport is fake. The anthropic SDK is built on httpx2 and the openai SDK (litellm's openai path) on httpx;
`Server(httpx2)` / `Server(httpx)` give a client of the right library for `LLM.from_settings(http_client=...)`.
Other tests (the LLM grader's calibration) can reuse it with their own recorded bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel, Field

from tutor.llm import ChatMessage, Prompt

FIXTURES = Path(__file__).parent / "fixtures" / "llm"
# The text the recorded streams (anthropic_stream_*.sse, openai_stream.sse) deliver, in three deltas.
TEXT = "Good start on coalescing. Now walk me through what happens when a warp reads a column of a row-major tile."


@dataclass
class Reply:
    """One recorded response: a fixture file (or inline JSON), a status, headers; or a transport error to raise."""

    fixture: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    error: str | None = None  # name of the transport exception class: "ConnectError", "ReadTimeout"

    def content(self) -> bytes:
        if self.fixture is not None:
            return (FIXTURES / self.fixture).read_bytes()
        return json.dumps(self.body if self.body is not None else {}).encode()

    def content_type(self) -> str:
        return "text/event-stream" if (self.fixture or "").endswith(".sse") else "application/json"


class Server:
    def __init__(self, library: ModuleType, *replies: Reply) -> None:
        self.library = library
        self.replies = list(replies)
        self.requests: list[Any] = []

    def handle(self, request: Any) -> Any:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request #{len(self.requests)}: {request.method} {request.url}")
        reply = self.replies.pop(0)
        if reply.error is not None:
            raise getattr(self.library, reply.error)("recorded failure", request=request)
        headers = {"content-type": reply.content_type(), "request-id": f"req_test_{len(self.requests)}", **reply.headers}
        return self.library.Response(reply.status, headers=headers, content=reply.content())

    def client(self) -> Any:
        return self.library.Client(transport=self.library.MockTransport(self.handle))

    def body(self, index: int = -1) -> dict[str, Any]:
        """The JSON body of a captured request."""
        return json.loads(self.requests[index].content)


# The shape the recorded structured replies (anthropic_tool_use_*.json, openai_json_*.json) fill.
class PointDraft(BaseModel):
    point_id: str
    score: float = Field(ge=0, le=1)
    quote: str | None = None


class GradeDraft(BaseModel):
    """Record the grade of one answer against its rubric."""

    points: list[PointDraft]
    overall: float = Field(ge=0, le=10)
    feedback: str


def make_prompt(**changes: object) -> Prompt:
    prompt = Prompt(system="You are Dr. Mei Lin, a CUDA kernel interviewer. Ask one question at a time.",
                    cached_context="Persona: strict, probes memory hierarchy.\nItem m3-coalescing: rubric p1..p4 ...",
                    messages=[ChatMessage(role="user", content="Adjacent threads read adjacent addresses.")],
                    max_tokens=300, temperature=0.3, purpose="interview")
    return prompt.model_copy(update=changes)

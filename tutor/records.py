"""What storage keeps: sessions, turns, answers, judge runs, score cards, review state."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from rubrics.scorecard import ScoreCard


def now() -> datetime:
    return datetime.now(UTC)


class SessionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    ABANDONED = "abandoned"


class Session(BaseModel):
    id: str
    kind: Literal["interview", "practice"]
    format: str | None = None  # deep_dive, system_design, behavioral, cuda_coding, full_loop, final_assessment
    persona: str | None = None
    status: SessionStatus = SessionStatus.ACTIVE
    state: dict[str, Any] = {}  # the session engine's resumable state (phase, clock, question order)
    started_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None


class Turn(BaseModel):
    session_id: str
    seq: int
    role: Literal["interviewer", "candidate", "system"]
    text: str
    item_id: str | None = None
    phase: str | None = None
    created_at: datetime = Field(default_factory=now)


class AnswerStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Answer(BaseModel):
    id: int | None = None
    item_id: str
    session_id: str | None = None
    text: str = ""
    code: str | None = None
    status: AnswerStatus = AnswerStatus.DRAFT
    hints_used: int = 0
    seconds_spent: float = 0.0
    updated_at: datetime = Field(default_factory=now)
    submitted_at: datetime | None = None


class JudgeRun(BaseModel):
    id: int | None = None
    problem_id: str
    answer_id: int | None = None
    source_hash: str
    passed: bool
    verdict: str  # e.g. "passed", "wrong_answer", "compile_error", "timeout", "crashed"
    report: dict[str, Any]  # the judge's JudgeReport as JSON
    created_at: datetime = Field(default_factory=now)


class StoredScoreCard(BaseModel):
    id: int | None = None
    answer_id: int | None
    card: ScoreCard
    created_at: datetime = Field(default_factory=now)


class ScoreSummary(BaseModel):
    """A score card's headline without its points: what progress charts need, read without parsing every card."""

    id: int
    answer_id: int | None
    item_id: str
    scorer: str
    overall: float
    created_at: datetime


class ReviewState(BaseModel):
    item_id: str
    card: dict[str, Any]  # the FSRS card as its own JSON
    due_at: datetime
    updated_at: datetime = Field(default_factory=now)


class SelfRating(BaseModel):
    """One row of the self-assessment matrix of 003_*: a component rated 1-5 by the user, with a target."""

    component: str
    rating: int = Field(ge=1, le=5)
    target: int = Field(ge=1, le=5)
    updated_at: datetime = Field(default_factory=now)


class LLMUsage(BaseModel):
    """Tokens and cost of one LLM call, kept per session (no prompt or key is stored)."""

    id: int | None = None
    session_id: str | None = None
    purpose: str  # "interview", "grading", ...
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None
    created_at: datetime = Field(default_factory=now)

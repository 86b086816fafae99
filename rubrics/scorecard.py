"""The one result shape of every scorer (LLM rubric grader, offline embedding grader, CUDA judge + rubric)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class HireSignal(StrEnum):
    STRONG_NO = "strong_no"
    NO = "no"
    LEAN_HIRE = "lean_hire"
    HIRE = "hire"
    STRONG_HIRE = "strong_hire"


class PointScore(BaseModel):
    point_id: str
    score: Annotated[float, Field(ge=0, le=1)]  # fraction of the point's weight earned
    quote: str | None = None  # the words of the answer that earned it
    missing: str | None = None  # what the answer would need to earn the rest
    misconceptions: list[str] = []  # claims made that the rubric lists as wrong


class ScoreCard(BaseModel):
    item_id: str
    scorer: Literal["llm", "embedding", "judge"]
    points: list[PointScore]
    overall: Annotated[float, Field(ge=0, le=10)]  # the /10 scale learners track
    hire_signal: HireSignal
    feedback: str
    flags: list[str] = []  # e.g. "prompt-injection": the answer tried to instruct the grader
    model: str | None = None  # which LLM or embedding model produced it

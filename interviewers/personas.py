"""The ten interviewers as data: who they are, how they talk, what they probe and how strictly.

Each persona lives in ``interviewers/personas/<id>.yaml``; the behaviour name selects the code path in
``interviewers/interviewer.py`` (code review shows flawed code, debugging reveals evidence on request, ...).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from question_bank.models import Category, PersonaId

PERSONA_DIR = Path(__file__).parent / "personas"

Behaviour = Literal["standard", "code_review", "debugging", "system_design", "cuda_kernel", "behavioral_star"]


class PersonaError(ValueError):
    """A persona file is missing or malformed; the message names the file and the field."""


class LeadIns(BaseModel):
    """Short phrases the persona puts before a move offline, so a scripted interview still sounds like this person."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: Annotated[list[str], Field(min_length=1)]
    follow_up: Annotated[list[str], Field(min_length=1)]
    move_on: Annotated[list[str], Field(min_length=1)]
    exhibit: Annotated[list[str], Field(min_length=1)]
    clarify: Annotated[list[str], Field(min_length=1)]


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PersonaId
    name: str
    title: str  # role and an invented employer, e.g. "Staff Kernel Engineer, Halvard Compute"
    one_liner: str  # what the UI shows under the name
    background: str
    voice: str  # how they talk; goes into the LLM system prompt
    probes: Annotated[list[str], Field(min_length=1)]  # what they dig into
    strictness: Annotated[int, Field(ge=1, le=5)]
    categories: Annotated[list[Category], Field(min_length=1)]
    topics: Annotated[list[str], Field(min_length=1)]  # taxonomy topic ids they favour
    opening: str
    closing: str
    behaviour: Behaviour
    lead_ins: LeadIns
    # Extra rules for the LLM system prompt, specific to this interviewer.
    rules: list[str] = []

    @property
    def coverage_threshold(self) -> float:
        """Share of rubric weight an answer must cover before this interviewer moves on; stricter ones dig longer."""
        return 0.55 + 0.05 * self.strictness

    @property
    def max_follow_ups(self) -> int:
        return 3 if self.strictness >= 4 else 2


def load_persona_file(path: Path) -> Persona:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PersonaError(f"{path}: cannot read persona: {error}") from error
    try:
        persona = Persona.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors())
        raise PersonaError(f"{path}: {problems}") from error
    if persona.id.value != path.stem:
        raise PersonaError(f"{path}: id '{persona.id.value}' must match the file name '{path.stem}'")
    return persona


@cache
def load_personas(folder: Path = PERSONA_DIR) -> dict[PersonaId, Persona]:
    """All ten personas, keyed by id, in the order of ``PersonaId``; raises PersonaError naming the bad file."""
    found = {persona.id: persona for persona in (load_persona_file(path) for path in sorted(folder.glob("*.yaml")))}
    missing = [pid.value for pid in PersonaId if pid not in found]
    if missing:
        raise PersonaError(f"{folder}: no persona file for {', '.join(missing)}")
    return {pid: found[pid] for pid in PersonaId}

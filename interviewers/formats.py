"""Interview formats as data: the phases of each mock interview, their time splits and where their questions come from.

The formats live in ``formats.yaml`` beside this file; the time splits are those of the Module 9 mock-interview
structure in the curriculum (002_*), and the final assessment is the 150-point test of 004_* (its items and points are
the bank's ``final_assessment``). ``load_formats()`` validates the file and names the file, field and line of a mistake.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from question_bank.loader import Issue, _read_model
from question_bank.models import SLUG, Category, PersonaId

FORMATS_FILE = Path(__file__).with_name("formats.yaml")
FORMAT_IDS = ("deep_dive", "system_design", "behavioral", "cuda_coding", "full_loop", "final_assessment")
TWO_MINUTES = 120.0

PhaseKind = Literal["talk", "coding", "behavioral", "qa"]


class FormatError(Exception):
    """formats.yaml is wrong; the message lists file:line: field: problem for each mistake."""


class PhaseSpec(BaseModel):
    """One timed part of an interview.

    Questions for a phase are chosen when the session starts: from ``items`` when given (a themed pool, e.g. conflict
    stories), else from the bank by ``categories``, narrowed to items tagged for ``item_personas`` (debugging scenarios,
    code to review) and to items whose time budget fits the phase. A ``continues`` phase asks nothing new: it is the
    next stage of the previous phase's question (system design: requirements, then architecture, then ...), opened
    by ``prompt``. An ``assessment_part`` phase takes that part of the bank's final assessment, in order.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=SLUG)]
    title: str
    minutes: Annotated[float, Field(gt=0, le=180)]
    categories: list[Category] = []
    questions: Annotated[int, Field(ge=0, le=40)] = 1
    persona: PersonaId | None = None  # None: the persona chosen for the session (or the format's default)
    kind: PhaseKind = "talk"
    round: str | None = None  # groups phases into the rounds of a full loop
    continues: bool = False
    prompt: str | None = None  # what the interviewer says on entering the phase, after the transition line
    items: list[str] = []
    item_personas: list[PersonaId] = []
    follow_ups: bool = True  # False: one answer per question, then the next (a written test)
    assessment_part: Annotated[int, Field(ge=0)] | None = None
    note: str | None = None  # why a figure differs from the seed, for maintainers

    @model_validator(mode="before")
    @classmethod
    def _no_questions_by_default(cls, data: object) -> object:
        """A stage of a previous question, or the candidate's Q&A, asks nothing unless the file says otherwise."""
        if isinstance(data, dict) and "questions" not in data and (data.get("continues") or data.get("kind") == "qa"):
            return {**data, "questions": 0}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> PhaseSpec:
        if self.continues and (self.questions or self.items or self.categories or self.assessment_part is not None):
            raise ValueError(f"phase '{self.id}' continues the previous question, so it takes no questions of its own")
        if self.continues and not self.prompt:
            raise ValueError(f"phase '{self.id}' continues the previous question and needs a prompt opening its stage")
        if self.kind == "qa" and self.questions:
            raise ValueError(f"phase '{self.id}' is the candidate's Q&A, so it has no bank questions")
        asks = not self.continues and self.kind != "qa"
        if asks and self.questions == 0:
            raise ValueError(f"phase '{self.id}' asks no questions; set questions, or make it continues/qa")
        if asks and self.assessment_part is None and not self.items and not self.categories:
            raise ValueError(f"phase '{self.id}' needs categories, items or an assessment_part to draw questions from")
        if self.kind == "coding" and self.categories != [Category.CUDA_CODING]:
            raise ValueError(f"coding phase '{self.id}' must draw from categories [cuda_coding]")
        return self

    @property
    def asks_questions(self) -> bool:
        return not self.continues and self.kind != "qa"

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0


class InterviewFormat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=SLUG)]
    title: str
    description: str
    phases: Annotated[list[PhaseSpec], Field(min_length=1)]
    default_persona: PersonaId

    @model_validator(mode="after")
    def _consistent(self) -> InterviewFormat:
        ids = [phase.id for phase in self.phases]
        repeated = sorted({pid for pid in ids if ids.count(pid) > 1})
        if repeated:
            raise ValueError(f"format '{self.id}' repeats phase ids {repeated}")
        if self.phases[0].continues:
            raise ValueError(f"format '{self.id}': the first phase cannot continue a previous one")
        for before, phase in zip(self.phases, self.phases[1:], strict=False):
            if phase.continues and before.kind == "qa":
                raise ValueError(f"phase '{phase.id}' cannot continue the Q&A phase '{before.id}'")
        return self

    @property
    def minutes(self) -> float:
        return sum(phase.minutes for phase in self.phases)

    def phase_index(self, phase_id: str) -> int:
        for index, phase in enumerate(self.phases):
            if phase.id == phase_id:
                return index
        raise KeyError(f"format '{self.id}' has no phase '{phase_id}'")


class FormatsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formats: list[InterviewFormat]


def read_formats(path: Path) -> dict[str, InterviewFormat]:
    """Formats from one YAML file; raises FormatError naming file, line and field of every mistake."""
    issues: list[Issue] = []
    parsed = _read_model(path, FormatsFile, issues)
    if parsed is None:
        raise FormatError(f"{path} has {len(issues)} problem(s):\n" + "\n".join(f"  {issue}" for issue in issues))
    formats = {fmt.id: fmt for fmt in parsed.formats}
    if len(formats) != len(parsed.formats):
        raise FormatError(f"{path}: format ids repeat")
    return formats


@functools.cache
def load_formats() -> dict[str, InterviewFormat]:
    """The product's formats (deep_dive, system_design, behavioral, cuda_coding, full_loop, final_assessment)."""
    formats = read_formats(FORMATS_FILE)
    missing = [fid for fid in FORMAT_IDS if fid not in formats]
    if missing:
        raise FormatError(f"{FORMATS_FILE}: formats {missing} are missing")
    return formats

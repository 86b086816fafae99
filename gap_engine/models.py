"""The published shape of the gap report: what the engine computes and every renderer (TUI, Markdown, HTML, JSON) shows.

This module is the single definition of the report schema (`GapReport.model_json_schema()` is what JSON exports
validate against). It holds data only; `gap_engine/report.py` builds it and `gap_engine/render.py` renders it.

Scales used throughout: mastery means and intervals are probabilities in [0, 1]; answer scores are /10 as the
learner sees them; rubric-point outcomes are fractions in [0, 1]; the final assessment is out of 150 points.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

TopicStatus = Literal["not_tested", "weak", "developing", "strong"]
EvidenceKind = Literal["answer", "judge"]
ActionKind = Literal["study", "retry", "practice"]
ReadyScale = Literal["Not Yet", "Almost", "Ready!", "Very Confident"]  # the 003_* "Ready for Real Interview" scale
Verdict = Literal["over", "under", "aligned", "untested"]

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class ReportModel(BaseModel):
    """Report shapes are plain values: frozen, and unknown fields are an error when a JSON export is read back."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Evidence and mastery --------------------------------------------------------------------------------------


class MissedPoint(ReportModel):
    """A rubric point the answer did not fully earn."""

    point_id: str
    text: str  # the rubric point's own wording
    score: Fraction  # fraction of the point earned
    missing: str | None = None  # the scorer's note on what was missing, when it gave one


class EvidenceRef(ReportModel):
    """One observation behind a topic's mastery: a scored answer or a judge run, as it bears on that topic."""

    kind: EvidenceKind
    item_id: str  # bank item (for a judge run: the CUDA problem's item id)
    answer_id: int | None = None
    judge_run_id: int | None = None
    score: Fraction  # outcome on this topic: weighted fraction of the topic's rubric points earned, or the judge outcome
    weight: float  # pseudo-observations it adds to the posterior (item share on the topic x decay; before difficulty)
    placement: Fraction = 1.0  # 1 when the item is tagged with the topic; < 1 when embedding similarity placed it
    difficulty: Literal["easy", "medium", "hard"]
    missed_points: list[MissedPoint] = []
    detail: str = ""  # e.g. "wrong_answer on 3/5 cases" or "1.8x over naive, 0.4x of optimized"
    when: datetime


class TopicMastery(ReportModel):
    topic_id: str
    title: str
    module_id: str
    mean: Fraction  # posterior mean
    lower: Fraction  # credible interval (see GapReport.interval_mass)
    upper: Fraction
    evidence_count: int  # observations that touched the topic
    effective_evidence: float = 0.0  # sum of their decayed weights: how much the posterior has moved off the prior
    status: TopicStatus  # not_tested when evidence_count == 0, whatever the prior says
    last_seen: datetime | None = None
    evidence: list[EvidenceRef] = []  # the most informative observations, newest first (capped)


class ModuleMastery(ReportModel):
    module_id: str
    number: int
    title: str
    mean: Fraction | None  # evidence-weighted over tested topics; None when nothing in the module was tested
    lower: Fraction | None
    upper: Fraction | None
    status: TopicStatus
    topics_total: int
    topics_tested: int
    weak_topics: list[str] = []  # topic ids
    evidence_count: int = 0


# --- Recommendations -------------------------------------------------------------------------------------------


class NextAction(ReportModel):
    kind: ActionKind  # study: a module section or exercise; retry: a bank question; practice: a CUDA problem
    target: str  # topic id / exercise id (study), bank item id (retry, practice)
    text: str  # one line for the learner


class Recommendation(ReportModel):
    rank: int  # 1 = do first, counted within its scope (modules are listed first, then topics)
    scope: Literal["module", "topic"]
    module_id: str
    topic_id: str | None = None  # set for scope == "topic"
    title: str
    why: str  # one or two sentences naming the answers and missed points behind it
    evidence: list[EvidenceRef] = []  # the answers and judge runs "why" refers to
    mastery_mean: Fraction | None = None
    expected_gain: float  # (target - mean) x role weight x uncertainty factor; ranking key
    role_weight: float  # weight of the module for the target role
    actions: list[NextAction] = []


class ReviewDue(ReportModel):
    item_id: str
    title: str
    due_at: datetime
    overdue_days: float  # >= 0 when due; how late
    last_rating: Literal["again", "hard", "good", "easy"] | None = None
    last_score: float | None = None  # /10 of the answer that last rescheduled it
    stability_days: float | None = None  # FSRS stability


# --- Readiness -------------------------------------------------------------------------------------------------


class PartProjection(ReportModel):
    title: str  # "Part 1: Core concepts"
    points: int  # what the part is worth
    projected: float
    lower: float
    upper: float
    items_with_evidence: int  # of the part's items, how many have direct evidence on their topics
    items_total: int


class BandMark(ReportModel):
    """A band of the final assessment's scale, for drawing the readiness gauge."""

    min_points: int
    label: str


class Readiness(ReportModel):
    projected_150: float  # expected final-assessment score from current mastery
    interval: tuple[float, float]  # credible interval (GapReport.interval_mass) of the projection
    total_points: int = 150
    band: str  # FinalAssessment.band_for(projected_150).label
    band_advice: str = ""
    parts: list[PartProjection] = []
    coverage: Fraction = 0.0  # share of the assessment's points whose topics have any evidence
    mock_average: float | None = None  # /10 over finished mock interviews; None without any
    mock_count: int = 0
    trend: float | None = None  # slope of mock scores, /10 points per session over the recent sessions
    ready_scale: ReadyScale
    ready_reason: str = ""  # why that step of the scale
    band_marks: list[BandMark] = []  # FinalAssessment.bands, lowest first (the gauge's marks)


# --- Progress (filled by gap_engine/progress.py) ---------------------------------------------------------------


class ScorePoint(ReportModel):
    when: datetime
    item_id: str
    overall: Annotated[float, Field(ge=0, le=10)]
    session_id: str | None = None
    kind: Literal["interview", "practice"] | None = None


class SolvedCount(ReportModel):
    """CUDA problems solved (passed the judge at least once) in one group and difficulty."""

    group: str  # a category or module label
    difficulty: Literal["easy", "medium", "hard"]
    solved: int
    total: int


class SessionPoint(ReportModel):
    """One session's average score: a point of the per-session trend."""

    session_id: str
    when: datetime  # when it finished (or was last active)
    kind: Literal["interview", "practice"]
    format: str | None = None  # interview format id, e.g. "full_loop"
    status: str  # active, paused, finished, abandoned
    overall: Annotated[float, Field(ge=0, le=10)]  # mean of its answers' latest score cards
    answers_scored: int
    minutes: float = 0.0


class WeekActivity(ReportModel):
    """One calendar week (Monday first) of activity: the tracker's weekly log."""

    week_start: date
    active_days: int
    answers: int  # submitted answers
    judge_runs: int
    cuda_solved: int = 0  # problems first solved that week
    minutes: float = 0.0
    average_score: float | None = None  # /10 over the week's score cards


class Progress(ReportModel):
    scores_over_time: list[ScorePoint] = []  # one per scored answer (its latest score card), oldest first
    mock_scores: list[ScorePoint] = []  # one per finished mock interview (session average), oldest first
    cuda_solved: list[SolvedCount] = []
    streak_days: int = 0  # consecutive days up to today with at least one submitted answer or judge run
    active_days: int = 0
    minutes_spent: float = 0.0
    answers_submitted: int = 0
    sessions_finished: int = 0
    session_scores: list[SessionPoint] = []  # every session with a scored answer, oldest first
    weeks: list[WeekActivity] = []  # oldest first, weeks without activity included between the first and the last
    judge_runs: int = 0
    cuda_attempted: int = 0  # distinct CUDA problems with at least one judge run


# --- Self-assessment (filled by gap_engine/self_assessment.py) -------------------------------------------------


class SelfAssessmentRow(ReportModel):
    """One component of the 003_* matrix: the learner's own 1-5 rating beside measured mastery on its topics."""

    component: str  # "PagedAttention", "CUDA Kernels", ...
    rating: int | None  # 1-5, None when not rated yet
    target: int  # 1-5
    measured: float | None  # measured mastery on the 1-5 scale; None when its topics are untested
    measured_interval: tuple[float, float] | None = None  # on the 1-5 scale
    topics: list[str] = []  # topic ids the component maps to
    verdict: Verdict  # over: rating above measured; under: below; untested: no evidence or no rating
    gap: float | None = None  # rating - measured on the 1-5 scale; None when either is missing
    note: str = ""


# --- The report ------------------------------------------------------------------------------------------------


class LearnerSummary(ReportModel):
    answers_scored: int
    judge_runs: int
    items_answered: int
    topics_tested: int
    topics_total: int
    first_activity: datetime | None = None
    last_activity: datetime | None = None
    overall_average: float | None = None  # /10 over every score card


class GapReport(ReportModel):
    schema_version: int = SCHEMA_VERSION
    generated_at: datetime
    role: str  # preset id, e.g. "llm_inference_engineer"
    role_title: str
    interval_mass: Fraction = 0.8  # the credible mass of every interval in the report
    half_life_days: float = 60.0  # evidence decay used
    learner: LearnerSummary
    modules: list[ModuleMastery]  # curriculum order
    topics: list[TopicMastery]  # curriculum order
    recommendations: list[Recommendation]  # ranked
    reviews_due: list[ReviewDue]  # most overdue first
    readiness: Readiness
    progress: Progress = Progress()
    self_assessment: list[SelfAssessmentRow] = []
    notes: list[str] = []  # caveats, e.g. "embedding placement unavailable: tagged topics only"

    def weakest_topics(self, count: int = 3) -> list[TopicMastery]:
        """Tested topics by ascending posterior mean (never an untested one)."""
        tested = [topic for topic in self.topics if topic.status != "not_tested"]
        return sorted(tested, key=lambda topic: (topic.mean, topic.upper))[:count]

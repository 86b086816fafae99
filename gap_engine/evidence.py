"""Turns what storage holds (score cards, judge runs, answers) into observations the mastery model can weigh.

An answer observation keeps the outcome of every rubric point (PointScore.score, a fraction of the point earned); the
mastery model spreads it over the point's topics with the placement. A judge run is one outcome on the problem's
tagged topics, with a strength that says how much it tells:

- failed correctness (wrong answer, out-of-bounds write, crash, race, ...): outcome 0, strong evidence;
- does not compile, or uses a library the problem does not allow: outcome 0, ordinary evidence;
- passed but slower than the naive solution: outcome 0.35, weak evidence (correct, but no performance skill shown);
- passed and timed: outcome from 0.5 (naive speed) to 1.0 (optimized speed), log-scale in between, ordinary evidence;
- passed with no timing (no GPU to benchmark on): outcome 0.75, ordinary evidence;
- anything that says nothing about the learner (needs a GPU, cancelled, internal error): ignored.

The same source judged twice is one observation (the latest run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from gap_engine.models import MissedPoint
from question_bank.loader import Bank
from tutor.records import JudgeRun, StoredScoreCard
from tutor.storage import Storage

FAILED_CORRECTNESS = {"wrong_answer", "out_of_bounds_write", "input_modified", "launch_error", "crashed", "timeout",
                      "unsynchronized_work", "sanitizer_error"}
FAILED_TO_BUILD = {"compile_error", "refused"}
NO_EVIDENCE = {"needs_gpu", "cancelled", "internal_error"}

STRONG = 2.0  # strength of a failed-correctness run
ORDINARY = 1.0
WEAK = 0.5  # a pass far slower than naive
SLOWER_THAN_NAIVE_OUTCOME = 0.35
UNTIMED_PASS_OUTCOME = 0.75
HINT_CREDIT = 0.85  # each hint used keeps this share of the credit earned


@dataclass(frozen=True)
class Observation:
    kind: Literal["answer", "judge"]
    item_id: str
    when: datetime
    answer_id: int | None = None
    judge_run_id: int | None = None
    # answer: outcome per rubric point id, already reduced for hints; judge: empty
    point_outcomes: dict[str, float] = field(default_factory=dict)
    outcome: float = 0.0  # judge: the single outcome; answer: overall / 10
    strength: float = ORDINARY
    hints_used: int = 0
    overall: float | None = None  # /10, answers only
    missed: tuple[MissedPoint, ...] = ()
    detail: str = ""
    session_id: str | None = None


@dataclass(frozen=True)
class History:
    """Every observation, oldest first, plus what the report needs about answers and judge runs."""

    observations: list[Observation]
    cards: list[StoredScoreCard]  # every score card of a bank item, oldest first
    solved_problems: dict[str, datetime]  # CUDA item id -> first time it passed
    answer_sessions: dict[int, str | None]  # answer id -> session id
    unknown_items: list[str]  # item ids in storage that the bank no longer has (skipped)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_history(storage: Storage, bank: Bank) -> History:
    answers = storage.submitted_answer_context()
    observations: list[Observation] = []
    unknown: set[str] = set()
    cards: list[StoredScoreCard] = []
    for stored in storage.score_cards():
        if stored.card.item_id not in bank.questions:
            unknown.add(stored.card.item_id)
            continue
        cards.append(stored)
        hints_used, session_id = answers.get(stored.answer_id, (0, None)) if stored.answer_id is not None else (0, None)
        observations.append(answer_observation(stored, bank, hints_used=hints_used, session_id=session_id))
    solved: dict[str, datetime] = {}
    latest_by_source: dict[tuple[str, str], JudgeRun] = {}
    for run in storage.judge_runs():
        if run.problem_id not in bank.questions:
            unknown.add(run.problem_id)
            continue
        if run.passed:
            solved.setdefault(run.problem_id, as_utc(run.created_at))
        latest_by_source[(run.problem_id, run.source_hash)] = run
    for run in latest_by_source.values():
        observation = judge_observation(run)
        if observation is not None:
            observations.append(observation)
    observations.sort(key=lambda observation: observation.when)
    return History(observations=observations, cards=cards, solved_problems=solved,
                   answer_sessions={answer_id: session for answer_id, (_, session) in answers.items()},
                   unknown_items=sorted(unknown))


def answer_observation(stored: StoredScoreCard, bank: Bank, *, hints_used: int = 0,
                       session_id: str | None = None) -> Observation:
    question = bank.get(stored.card.item_id)
    rubric = {point.id: point for point in question.rubric}
    credit = HINT_CREDIT ** max(hints_used, 0)
    outcomes: dict[str, float] = {}
    missed: list[MissedPoint] = []
    for scored in stored.card.points:
        point = rubric.get(scored.point_id)
        if point is None:  # a card from an older rubric: the point no longer exists
            continue
        outcomes[scored.point_id] = scored.score * credit
        if scored.score < 0.75:
            missed.append(MissedPoint(point_id=point.id, text=point.text, score=scored.score, missing=scored.missing))
    return Observation(kind="answer", item_id=question.id, when=as_utc(stored.created_at), answer_id=stored.answer_id,
                       point_outcomes=outcomes, outcome=stored.card.overall / 10, hints_used=hints_used,
                       overall=stored.card.overall, missed=tuple(missed), session_id=session_id,
                       detail=f"{stored.card.overall:.1f}/10" + (f", {hints_used} hint(s)" if hints_used else ""))


def judge_observation(run: JudgeRun) -> Observation | None:
    """One judge run as evidence, or None when the run says nothing about the learner."""
    verdict = run.verdict
    common: dict[str, Any] = {"kind": "judge", "item_id": run.problem_id, "when": as_utc(run.created_at),
                              "answer_id": run.answer_id, "judge_run_id": run.id}
    if verdict in NO_EVIDENCE:
        return None
    if not run.passed:
        if verdict in FAILED_CORRECTNESS:
            return Observation(**common, outcome=0.0, strength=STRONG, detail=f"{verdict}: {_failed_cases(run.report)}")
        return Observation(**common, outcome=0.0, strength=ORDINARY, detail=verdict)
    speedups = _speedups(run.report)
    if speedups is None:
        return Observation(**common, outcome=UNTIMED_PASS_OUTCOME, strength=ORDINARY, detail="passed (not timed)")
    over_naive, over_optimized = speedups
    if over_naive < 1.0:
        return Observation(**common, outcome=SLOWER_THAN_NAIVE_OUTCOME, strength=WEAK,
                           detail=f"passed, {1 / over_naive:.1f}x slower than the naive solution")
    return Observation(**common, outcome=speed_outcome(over_naive, over_optimized), strength=ORDINARY,
                       detail=f"passed, {over_naive:.1f}x over naive, {over_optimized:.2f}x of optimized")


def speed_outcome(over_naive: float, over_optimized: float) -> float:
    """0.5 at naive speed rising to 1.0 at optimized speed, on a log scale (a 2x step counts the same anywhere)."""
    if over_optimized >= 1.0:
        return 1.0
    naive_to_optimized = over_naive / over_optimized  # how much faster optimized is than naive
    if naive_to_optimized <= 1.0:
        return 1.0
    progress = math.log(over_naive) / math.log(naive_to_optimized)
    return 0.5 + 0.5 * min(max(progress, 0.0), 1.0)


def _speedups(report: dict[str, Any]) -> tuple[float, float] | None:
    timing = report.get("timing") or {}
    over_naive = timing.get("speedup_over_naive")
    over_optimized = timing.get("speedup_over_optimized")
    if not over_naive or not over_optimized:
        return None
    return float(over_naive), float(over_optimized)


def _failed_cases(report: dict[str, Any]) -> str:
    cases = report.get("cases") or []
    failed = sum(1 for case in cases if not case.get("passed"))
    return f"{failed}/{len(cases)} test cases failed" if cases else str(report.get("summary", ""))[:120]

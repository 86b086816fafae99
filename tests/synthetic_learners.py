"""Simulated learners with a known true mastery per topic, who answer bank items with noise into a real Storage.

Used by tests/test_gap_recovery.py and benchmarks/gap_recovery.py. The generative model:

- each learner answers `answers` bank items drawn at random (without replacement while the bank lasts);
- three topics are clearly weak (true mastery 0.10-0.30), chosen among the topics that at least two of the learner's
  answered items are tagged with (a topic nobody asked about cannot be found weak); every other topic is 0.65-0.95;
- a rubric point's ability combines the true mastery of the topics the point is placed on (its item's tags, plus
  similarity placements) with a placement-weighted power mean, exponent -2 by default: a soft "weakest link" (to
  explain a PagedAttention trade-off you need each concept it involves; one weak concept sinks the point more than
  an average would say). Exponent 1 (a plain average) is the pessimistic case: a point then carries almost no
  information about which of its ~4 tagged topics is weak, and benchmarks/gap_recovery.py prints that row too;
- the ability is moved by difficulty (easy +0.6, hard -0.6 on the logit scale);
- the point's outcome is a noisy fraction drawn from Beta(ability x 5, (1 - ability) x 5), as a grader's partial credit;
- answers are spread over the last `span_days` days, so decay is exercised too.

The engine never sees the true mastery; it reads the score cards back from storage like the app does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from gap_engine.embeddings import Embedder
from gap_engine.placement import Placement
from question_bank.loader import Bank
from rubrics.scorecard import HireSignal, PointScore, ScoreCard
from tutor.records import Answer, AnswerStatus, JudgeRun
from tutor.storage import Storage

WEAK_RANGE = (0.10, 0.30)
STRONG_RANGE = (0.65, 0.95)
DIFFICULTY_SHIFT = {"easy": 0.6, "medium": 0.0, "hard": -0.6}
NOISE_CONCENTRATION = 5.0
POWER_MEAN_EXPONENT = -2.0


@dataclass
class SyntheticLearner:
    number: int
    true_mastery: dict[str, float]
    weak_topics: list[str]
    items: list[str]  # in answer order
    power: float = POWER_MEAN_EXPONENT  # how a point combines its topics' mastery (see point_ability)
    answers_written: int = 0
    stats: dict[str, float] = field(default_factory=dict)


def make_learner(number: int, bank: Bank, answers: int, rng: random.Random, *, weak_count: int = 3,
                 min_cover: int = 2, power: float = POWER_MEAN_EXPONENT) -> SyntheticLearner:
    item_ids = sorted(bank.questions)
    items: list[str] = []
    while len(items) < answers:  # a learner who answers more than the bank holds retries items
        items.extend(rng.sample(item_ids, min(answers - len(items), len(item_ids))))
    cover: dict[str, int] = {}
    for item_id in set(items):
        for topic in bank.get(item_id).topics:
            cover[topic] = cover.get(topic, 0) + 1
    candidates = sorted(topic for topic, count in cover.items() if count >= min_cover)
    if len(candidates) < weak_count:
        candidates = sorted(cover)
    weak = rng.sample(candidates, weak_count)
    true_mastery = {topic: rng.uniform(*STRONG_RANGE) for topic in sorted(bank.taxonomy.topic_ids())}
    for topic in weak:
        true_mastery[topic] = rng.uniform(*WEAK_RANGE)
    return SyntheticLearner(number=number, true_mastery=true_mastery, weak_topics=weak, items=items, power=power)


def point_ability(learner: SyntheticLearner, placement: Placement, item_id: str, point_id: str, difficulty: str) -> float:
    topics = placement.point_topics(item_id, point_id)
    total = sum(topic.weight for topic in topics)
    power = learner.power
    mastery = (sum(topic.weight * learner.true_mastery[topic.topic_id] ** power for topic in topics) / total) ** (1 / power)
    mastery = min(max(mastery, 1e-3), 1 - 1e-3)
    logit = math.log(mastery / (1 - mastery)) + DIFFICULTY_SHIFT[difficulty]
    return 1 / (1 + math.exp(-logit))


def simulate(learner: SyntheticLearner, bank: Bank, placement: Placement, storage: Storage, now: datetime,
             rng: random.Random, *, span_days: float = 30.0) -> None:
    """Answer every item of the learner into storage: a submitted Answer and its ScoreCard, dated over the span."""
    noise = np.random.default_rng(rng.randrange(2**32))
    for order, item_id in enumerate(learner.items):
        question = bank.get(item_id)
        when = now - timedelta(days=span_days * (1 - order / max(len(learner.items), 1)))
        points = []
        for point in question.rubric:
            ability = point_ability(learner, placement, item_id, point.id, question.difficulty.value)
            score = float(noise.beta(ability * NOISE_CONCENTRATION, (1 - ability) * NOISE_CONCENTRATION))
            points.append(PointScore(point_id=point.id, score=round(score, 3),
                                     missing=None if score >= 0.75 else f"did not cover: {point.key_concepts[0]}"))
        overall = 10 * sum(p.score * r.weight for p, r in zip(points, question.rubric, strict=True)) / question.total_weight
        card = ScoreCard(item_id=item_id, scorer="embedding", points=points, overall=round(overall, 2),
                         hire_signal=_signal(overall), feedback="synthetic", model="synthetic")
        answer = storage.save_answer(Answer(item_id=item_id, text=f"synthetic answer {order}",
                                            status=AnswerStatus.SUBMITTED, submitted_at=when))
        storage.add_score_card(card, answer.id, created_at=when)
        learner.answers_written += 1


def _signal(overall: float) -> HireSignal:
    if overall >= 8.5:
        return HireSignal.STRONG_HIRE
    if overall >= 7:
        return HireSignal.HIRE
    if overall >= 5.5:
        return HireSignal.LEAN_HIRE
    if overall >= 3.5:
        return HireSignal.NO
    return HireSignal.STRONG_NO


_embedder: Embedder | None = None


def gap_embedder() -> Embedder:
    """The real MiniLM embedder for the gap tests, with its vectors kept between test runs in the user cache folder
    (keyed by text hash and model, so an entry is never stale): only the first run on a machine pays the cold encode."""
    global _embedder
    if _embedder is None:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("gpu-interview-tutor"))
        _embedder = Embedder(Storage(folder / "test-embeddings.db"))
    return _embedder


def learner_storage(folder: Path, number: int) -> Storage:
    return Storage(folder / f"learner-{number:03d}.db")


# --- Single records for unit tests -----------------------------------------------------------------------------


def record_answer(storage: Storage, bank: Bank, item_id: str, scores: float | list[float], when: datetime, *,
                  hints_used: int = 0, session_id: str | None = None) -> int:
    """A submitted answer and its score card (one score for every point, or one per point); returns the answer id."""
    question = bank.get(item_id)
    per_point = scores if isinstance(scores, list) else [scores] * len(question.rubric)
    points = [PointScore(point_id=point.id, score=score, missing=None if score >= 0.75 else "not covered")
              for point, score in zip(question.rubric, per_point, strict=True)]
    overall = 10 * sum(p.score * r.weight for p, r in zip(points, question.rubric, strict=True)) / question.total_weight
    card = ScoreCard(item_id=item_id, scorer="embedding", points=points, overall=round(overall, 2),
                     hire_signal=_signal(overall), feedback="test")
    answer = storage.save_answer(Answer(item_id=item_id, session_id=session_id, text="answer", hints_used=hints_used,
                                        status=AnswerStatus.SUBMITTED, submitted_at=when))
    storage.add_score_card(card, answer.id, created_at=when)
    assert answer.id is not None
    return answer.id


def record_judge(storage: Storage, problem_id: str, verdict: str, when: datetime, *, over_naive: float | None = None,
                 over_optimized: float | None = None, source: str = "source-1", cases: tuple[int, int] = (5, 5)) -> None:
    """A judge run as the judge stores it: its JudgeReport as JSON (timing only when speedups are given)."""
    from tutor.judge.models import CaseResult, CompileResult, JudgeReport, Timing, Verdict

    passed = verdict == "passed"
    total, failed = cases
    report = JudgeReport(
        problem_id=problem_id, source_hash=source, verdict=Verdict(verdict), passed=passed, summary=verdict,
        compile=CompileResult(ok=verdict != "compile_error", arch="sm_90", seconds=1.0, cached=False),
        cases=[CaseResult(sizes={"n": 1000 + number}, seed=number, passed=passed or number >= failed,
                          verdict=Verdict.PASSED if passed or number >= failed else Verdict(verdict))
               for number in range(total)] if verdict != "compile_error" else [],
        timing=Timing(sizes={"n": 1 << 20}, device="NVIDIA H100", peak_description="test", entries=[],
                      speedup_over_naive=over_naive, speedup_over_optimized=over_optimized, l2_flush_bytes=0)
        if over_naive is not None else None)
    storage.add_judge_run(JudgeRun(problem_id=problem_id, source_hash=source, passed=passed, verdict=verdict,
                                   report=report.model_dump(mode="json"), created_at=when))


# --- Recovery: does the engine find the weak topics? -----------------------------------------------------------


@dataclass
class Recovery:
    learners: int
    answers: int
    power: float
    hits: int  # learners whose three weakest reported topics hold >= 2 of their true three
    overlaps: list[int]
    untested_reported_weak: int  # topics with no evidence reported weak, over all learners (must be 0)
    seconds_per_report: float

    @property
    def hit_rate(self) -> float:
        return self.hits / self.learners

    @property
    def mean_overlap(self) -> float:
        return sum(self.overlaps) / len(self.overlaps)


def run_recovery(bank: Bank, embedder: Embedder | None, folder: Path, *, learners: int = 50, answers: int = 30,
                 seed: int = 1000, power: float = POWER_MEAN_EXPONENT, now: datetime | None = None) -> Recovery:
    """Simulate `learners` people, build each one's gap report with the real engine, compare with the truth."""
    import time

    from gap_engine.placement import place_bank
    from gap_engine.report import build_report
    from tutor.config import Settings

    now = now or datetime(2026, 6, 1, 12, tzinfo=UTC)
    placement = place_bank(bank, embedder)
    settings = Settings(data_dir=folder)
    hits, overlaps, violations, spent = 0, [], 0, 0.0
    for number in range(learners):
        rng = random.Random(seed + number)
        learner = make_learner(number, bank, answers, rng, power=power)
        storage = learner_storage(folder, seed + number)
        simulate(learner, bank, placement, storage, now, rng)
        started = time.perf_counter()
        report = build_report(storage, bank, now=now, embedder=embedder, settings=settings,
                              use_embeddings=embedder is not None)
        spent += time.perf_counter() - started
        storage.close()
        weakest = {topic.topic_id for topic in report.weakest_topics(3)}
        overlap = len(weakest & set(learner.weak_topics))
        overlaps.append(overlap)
        hits += overlap >= 2
        violations += sum(1 for topic in report.topics if topic.evidence_count == 0 and topic.status == "weak")
    return Recovery(learners=learners, answers=answers, power=power, hits=hits, overlaps=overlaps,
                    untested_reported_weak=violations, seconds_per_report=spent / learners)

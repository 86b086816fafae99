"""Gap reports built by hand for the renderer tests: real taxonomy ids, hostile text where a learner's words can appear."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gap_engine.models import (
    BandMark,
    EvidenceRef,
    GapReport,
    LearnerSummary,
    MissedPoint,
    ModuleMastery,
    NextAction,
    PartProjection,
    Progress,
    Readiness,
    Recommendation,
    ReviewDue,
    ScorePoint,
    SessionPoint,
    SolvedCount,
    TopicMastery,
    WeekActivity,
)
from gap_engine.self_assessment import compare
from question_bank.loader import Bank
from tutor.records import SelfRating

HOSTILE = '<script>alert("x")</script> | <img src=x onerror=alert(1)> & "quotes"'
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _evidence(item_id: str, answer_id: int, score: float, days_ago: int, missing: str | None = None) -> EvidenceRef:
    return EvidenceRef(
        kind="answer", item_id=item_id, answer_id=answer_id, score=score, weight=0.8, difficulty="medium",
        missed_points=[MissedPoint(point_id="coalescing", text="Explains why strided access wastes sectors", score=0.2,
                                   missing=missing)],
        when=NOW - timedelta(days=days_ago))


def empty_report(bank: Bank) -> GapReport:
    """What a learner with no history gets: every topic untested."""
    topics = [TopicMastery(topic_id=topic.id, title=topic.title, module_id=module.id, mean=0.5, lower=0.1, upper=0.9,
                           evidence_count=0, status="not_tested")
              for module in bank.taxonomy.modules for topic in module.topics]
    modules = [ModuleMastery(module_id=module.id, number=module.number, title=module.title, mean=None, lower=None, upper=None,
                             status="not_tested", topics_total=len(module.topics), topics_tested=0)
               for module in bank.taxonomy.modules]
    return GapReport(
        generated_at=NOW, role="llm_inference_engineer", role_title="LLM inference engineer",
        learner=LearnerSummary(answers_scored=0, judge_runs=0, items_answered=0, topics_tested=0, topics_total=len(topics)),
        modules=modules, topics=topics, recommendations=[], reviews_due=[],
        readiness=Readiness(projected_150=0, interval=(0, 0), band="Review fundamentals", ready_scale="Not Yet",
                            band_marks=[BandMark(min_points=points, label=label) for points, label in
                                        ((0, "Review fundamentals"), (105, "Fair"), (120, "Good"), (135, "Excellent"))]),
        self_assessment=compare([], topics))


def sample_report(bank: Bank) -> GapReport:
    """A learner with some history, a weak CUDA topic and hostile text in a scorer note and a self-rating."""
    base = empty_report(bank)
    weak_id, strong_id = "m3.memory-coalescing-and-bank-conflicts", "m2.pagedattention-virtual-vs-physical-blocks"
    weak_evidence = [_evidence("cuda_performance.coalescing", 7, 0.2, 3, missing=HOSTILE),
                     _evidence("core_concepts.gpu-memory", 9, 0.35, 1)]
    topics = []
    for topic in base.topics:
        if topic.topic_id == weak_id:
            topic = topic.model_copy(update={"mean": 0.24, "lower": 0.12, "upper": 0.4, "evidence_count": 2,
                                             "effective_evidence": 1.6, "status": "weak", "evidence": weak_evidence})
        elif topic.topic_id == strong_id:
            topic = topic.model_copy(update={"mean": 0.86, "lower": 0.74, "upper": 0.94, "evidence_count": 4,
                                             "effective_evidence": 3.1, "status": "strong",
                                             "evidence": [_evidence("core_concepts.paged-attention", 3, 0.9, 5)]})
        topics.append(topic)
    modules = [module.model_copy(update={"mean": 0.3, "lower": 0.18, "upper": 0.45, "status": "weak", "topics_tested": 1,
                                         "weak_topics": [weak_id], "evidence_count": 2}) if module.module_id == "m3" else module
               for module in base.modules]
    recommendation = Recommendation(
        rank=1, scope="topic", module_id="m3", topic_id=weak_id, title="Memory coalescing and bank conflicts",
        why=f"Two answers missed the coalescing point; the scorer noted: {HOSTILE}", evidence=weak_evidence,
        mastery_mean=0.24, expected_gain=0.41, role_weight=1.2,
        actions=[NextAction(kind="study", target="ex3.2", text="Work through exercise 3.2 on coalesced loads"),
                 NextAction(kind="retry", target="cuda_performance.coalescing", text="Retry the coalescing question"),
                 NextAction(kind="practice", target="cuda.matrix-transpose", text="Solve the transpose problem")])
    scores = [ScorePoint(when=NOW - timedelta(days=10 - day), item_id="core_concepts.gpu-memory", overall=3.0 + day * 0.5,
                         session_id="s1" if day < 5 else "s2", kind="interview") for day in range(10)]
    progress = Progress(
        scores_over_time=scores,
        session_scores=[SessionPoint(session_id="s1", when=NOW - timedelta(days=6), kind="interview", format="deep_dive",
                                     status="finished", overall=4.0, answers_scored=5, minutes=44),
                        SessionPoint(session_id="s2", when=NOW - timedelta(days=1), kind="interview", format="full_loop",
                                     status="finished", overall=6.5, answers_scored=5, minutes=50)],
        cuda_solved=[SolvedCount(group="Basic", difficulty="easy", solved=2, total=5),
                     SolvedCount(group="Matrix Ops", difficulty="medium", solved=0, total=2),
                     SolvedCount(group="Matrix Ops", difficulty="hard", solved=1, total=1)],
        streak_days=3, active_days=7, minutes_spent=312.5, answers_submitted=10, sessions_finished=2, judge_runs=4,
        weeks=[WeekActivity(week_start=date(2026, 11, 9), active_days=3, answers=4, judge_runs=1, minutes=120, average_score=4.1),
               WeekActivity(week_start=date(2026, 11, 16), active_days=4, answers=6, judge_runs=3, cuda_solved=3, minutes=192.5,
                            average_score=6.0)])
    ratings = [SelfRating(component="CUDA Kernels", rating=5, target=5),
               SelfRating(component="PagedAttention", rating=2, target=5)]
    return base.model_copy(update={
        "learner": LearnerSummary(answers_scored=10, judge_runs=4, items_answered=6, topics_tested=2,
                                  topics_total=len(topics), first_activity=NOW - timedelta(days=10),
                                  last_activity=NOW - timedelta(days=1), overall_average=5.25),
        "topics": topics, "modules": modules, "recommendations": [recommendation],
        "reviews_due": [ReviewDue(item_id="cuda_performance.coalescing", title="Coalescing <and> banks",
                                  due_at=NOW - timedelta(days=2), overdue_days=2.0, last_rating="again", last_score=2.5)],
        "readiness": base.readiness.model_copy(update={
            "projected_150": 88.0, "interval": (71.0, 104.0), "band": "Review fundamentals", "coverage": 0.2,
            "mock_average": 5.25, "mock_count": 2, "trend": 2.5, "ready_scale": "Not Yet",
            "ready_reason": "Projection below 105 and mock average under 7",
            "parts": [PartProjection(title="Part 1: Core concepts", points=50, projected=30.0, lower=24.0, upper=36.0,
                                     items_with_evidence=2, items_total=5)]}),
        "progress": progress,
        "self_assessment": compare(ratings, topics),
        "notes": ["embedding placement unavailable: tagged topics only"],
    })

"""`build_report`: everything the gap report shows, from storage and the bank, in one pass.

Order: place the bank's rubric points on topics (cached per bank content), read the history, let the review schedule
catch up with new score cards, compute mastery, then recommendations, reviews due, readiness, progress and the
self-assessment comparison. Nothing here renders; `gap_engine/render.py` does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from gap_engine.embeddings import Embedder, shared_embedder
from gap_engine.evidence import History, load_history
from gap_engine.mastery import MasteryParams, compute_mastery, module_rows, topic_rows
from gap_engine.models import GapReport, LearnerSummary, Progress, SelfAssessmentRow, TopicMastery
from gap_engine.placement import place_bank
from gap_engine.readiness import project
from gap_engine.recommend import recommend
from gap_engine.reviews import due_rows, due_today, sync_reviews
from gap_engine.roles import resolve_role
from question_bank.loader import Bank
from tutor.config import Settings, load_settings
from tutor.storage import Storage


def build_report(storage: Storage, bank: Bank, *, role: str | None = None, now: datetime | None = None,
                 embedder: Embedder | None = None, settings: Settings | None = None,
                 params: MasteryParams | None = None, use_embeddings: bool = True) -> GapReport:
    """The learner's gap report.

    role: a preset id (or one defined in the config's [roles.*] tables); default: settings.target_role.
    embedder: the one to place rubric points with; default: the shared one (vectors come from the database cache, so
    the model loads only for texts never embedded). use_embeddings=False places points on their tags only.
    settings: for the default role and the [roles.*] overrides; default: load_settings().
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    params = params or MasteryParams()
    settings = settings or load_settings()[0]
    chosen_role = resolve_role(role or settings.target_role, settings.roles)
    notes: list[str] = []
    if use_embeddings and embedder is None:
        embedder = shared_embedder(storage)
    placement = place_bank(bank, embedder if use_embeddings else None)
    if placement.note and use_embeddings:
        notes.append(placement.note)
    history = load_history(storage, bank)
    if history.unknown_items:
        notes.append(f"history for {len(history.unknown_items)} item(s) no longer in the bank was left out: "
                     + ", ".join(history.unknown_items[:5]))
    sync_reviews(storage, history.cards)
    mastery = compute_mastery(placement, bank, history.observations, now, params)
    topics = topic_rows(mastery, bank, placement, history.observations)
    modules = module_rows(topics, bank, params)
    progress_data = _progress(storage, bank, now, notes)
    recommendations = recommend(topics, bank, placement, mastery, history.observations, chosen_role,
                                history.solved_problems)
    readiness = project(mastery, placement, bank, progress_data.mock_scores)
    return GapReport(
        generated_at=now, role=chosen_role.id, role_title=chosen_role.title, interval_mass=params.interval_mass,
        half_life_days=params.half_life_days, learner=_summary(history, topics), modules=modules, topics=topics,
        recommendations=recommendations, reviews_due=due_rows(due_today(storage, now), bank, now),
        readiness=readiness, progress=progress_data, self_assessment=_self_assessment(storage, topics, notes),
        notes=notes)


def _summary(history: History, topics: list[TopicMastery]) -> LearnerSummary:
    answers = [observation for observation in history.observations if observation.kind == "answer"]
    moments = [observation.when for observation in history.observations]
    overall = [observation.overall for observation in answers if observation.overall is not None]
    return LearnerSummary(
        answers_scored=len(answers), judge_runs=len(history.observations) - len(answers),
        items_answered=len({observation.item_id for observation in answers}),
        topics_tested=sum(topic.status != "not_tested" for topic in topics), topics_total=len(topics),
        first_activity=min(moments, default=None), last_activity=max(moments, default=None),
        overall_average=round(float(np.mean(overall)), 2) if overall else None)


def _progress(storage: Storage, bank: Bank, now: datetime, notes: list[str]) -> Progress:
    try:
        from gap_engine.progress import progress
    except ImportError as error:
        notes.append(f"progress data unavailable in this build ({error})")
        return Progress()
    return progress(storage, bank, now)


def _self_assessment(storage: Storage, topics: list[TopicMastery], notes: list[str]) -> list[SelfAssessmentRow]:
    try:
        from gap_engine.self_assessment import self_assessment
    except ImportError as error:
        notes.append(f"self-assessment comparison unavailable in this build ({error})")
        return []
    return self_assessment(storage, topics)


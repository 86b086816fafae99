"""Ranked recommendations: which modules and topics to work on, why, what it is worth, and what to do next.

Expected gain of a topic = E[max(0, TARGET - mastery)] under its posterior x the role's weight for its module. The
expected shortfall is the uncertainty-aware part: a topic whose mean is low but whose interval is wide is worth less
than one known to be low, and a topic known to be at target is worth nothing. A module's gain is the sum over its
topics. Only topics with evidence are recommended: an untested topic is "not yet tested", not a gap.

Next actions for each: the module sections (topic titles) and exercises to study, the bank questions answered badly
on it to retry, and the CUDA problems to practise - not yet solved, one difficulty step above the hardest problem the
learner has solved (easy when none is solved yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from gap_engine.evidence import Observation
from gap_engine.mastery import MasteryResult
from gap_engine.models import EvidenceRef, NextAction, Recommendation, TopicMastery
from gap_engine.placement import Placement
from gap_engine.roles import Role
from question_bank.loader import Bank
from question_bank.models import Difficulty, Module, Question

TARGET = 0.85  # mastery a topic should reach for an interview
MIN_GAIN = 0.01  # below this a topic is not worth recommending
TOPIC_RECOMMENDATIONS = 12
RETRY_BELOW = 6.0  # an answer under this /10 (or a topic outcome under RETRY_OUTCOME) is worth retrying
RETRY_OUTCOME = 0.6
DIFFICULTY_STEPS = (Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD)


def expected_shortfall(alpha: np.ndarray, beta: np.ndarray, target: float) -> np.ndarray:
    """E[max(0, target - theta)] for theta ~ Beta(alpha, beta), elementwise."""
    from scipy.stats import beta as beta_distribution

    below = beta_distribution.cdf(target, alpha, beta)
    mean_below = alpha / (alpha + beta) * beta_distribution.cdf(target, alpha + 1, beta)
    return np.asarray(np.maximum(target * below - mean_below, 0.0), dtype=np.float64)


def practice_difficulty(solved: Sequence[str], bank: Bank) -> Difficulty:
    """One step above the hardest CUDA problem solved; easy when none is solved yet."""
    if not solved:
        return Difficulty.EASY
    hardest = max(DIFFICULTY_STEPS.index(bank.get(item_id).difficulty) for item_id in solved)
    return DIFFICULTY_STEPS[min(hardest + 1, len(DIFFICULTY_STEPS) - 1)]


@dataclass(frozen=True)
class Context:
    bank: Bank
    placement: Placement
    mastery: MasteryResult
    observations: list[Observation]
    role: Role
    solved: dict[str, datetime]
    latest_score: dict[str, float]  # item id -> latest overall /10


def recommend(topics: list[TopicMastery], bank: Bank, placement: Placement, mastery: MasteryResult,
              observations: list[Observation], role: Role, solved: dict[str, datetime]) -> list[Recommendation]:
    """Module recommendations (ranked) followed by topic recommendations (ranked); `rank` counts within each scope."""
    latest: dict[str, float] = {}
    for observation in observations:
        if observation.kind == "answer" and observation.overall is not None:
            latest[observation.item_id] = observation.overall
    context = Context(bank, placement, mastery, observations, role, solved, latest)
    shortfall = expected_shortfall(mastery.alpha, mastery.beta, TARGET)
    gains: dict[str, float] = {}
    for topic in topics:
        if topic.status == "not_tested":
            continue
        gain = float(shortfall[placement.topic_index[topic.topic_id]]) * role.weight(topic.module_id)
        if gain >= MIN_GAIN:
            gains[topic.topic_id] = gain
    by_id = {topic.topic_id: topic for topic in topics}
    ranked_topics = sorted(gains, key=lambda topic_id: (-gains[topic_id], by_id[topic_id].mean))
    module_gain: dict[str, float] = {}
    for topic_id, gain in gains.items():
        module_gain[by_id[topic_id].module_id] = module_gain.get(by_id[topic_id].module_id, 0.0) + gain
    modules = {module.id: module for module in bank.taxonomy.modules}
    recommendations: list[Recommendation] = []
    for rank, module_id in enumerate(sorted(module_gain, key=lambda m: -module_gain[m]), start=1):
        members = [by_id[t] for t in ranked_topics if by_id[t].module_id == module_id]
        recommendations.append(_module_recommendation(rank, modules[module_id], members, module_gain[module_id],
                                                      context))
    for rank, topic_id in enumerate(ranked_topics[:TOPIC_RECOMMENDATIONS], start=1):
        topic = by_id[topic_id]
        recommendations.append(Recommendation(
            rank=rank, scope="topic", module_id=topic.module_id, topic_id=topic.topic_id, title=topic.title,
            why=_topic_why(topic), evidence=_worst_evidence(topic), mastery_mean=topic.mean,
            expected_gain=round(gains[topic_id], 4), role_weight=role.weight(topic.module_id),
            actions=_topic_actions(topic, modules[topic.module_id], context)))
    return recommendations


def _worst_evidence(topic: TopicMastery, count: int = 3) -> list[EvidenceRef]:
    return sorted(topic.evidence, key=lambda ref: ref.score)[:count]


def _topic_why(topic: TopicMastery) -> str:
    low, high = topic.lower, topic.upper
    head = (f"Mastery {topic.mean:.0%} ({low:.0%}-{high:.0%}) over {topic.evidence_count} observation(s), "
            f"status {topic.status}.")
    details = []
    for ref in _worst_evidence(topic):
        if ref.kind == "judge":
            details.append(f"judge run on {ref.item_id}: {ref.detail}")
            continue
        missed = "; ".join(f"'{_short(point.text)}' ({point.score:.0%})" for point in ref.missed_points[:2])
        details.append(f"{ref.item_id} ({ref.detail}, {ref.score:.0%} on this topic)"
                       + (f" missed {missed}" if missed else ""))
    return head + (" Behind it: " + " | ".join(details) + "." if details else "")


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _module_recommendation(rank: int, module: Module, members: list[TopicMastery], gain: float,
                           context: Context) -> Recommendation:
    """members: the module's recommended topics, largest gain first."""
    weak = [topic for topic in members if topic.status == "weak"]
    named = ", ".join(f"{topic.title} ({topic.mean:.0%})" for topic in members[:3])
    why = (f"{len(weak)} weak and {len(members) - len(weak)} other topic(s) below target in Module {module.number}; "
           f"largest gaps: {named}.")
    evidence = [ref for topic in members[:3] for ref in _worst_evidence(topic, 1)]
    actions: list[NextAction] = []
    for topic in members[:3]:
        for action in _topic_actions(topic, module, context):
            if action.target not in {existing.target for existing in actions}:
                actions.append(action)
    mean = float(np.mean([topic.mean for topic in members])) if members else None
    return Recommendation(rank=rank, scope="module", module_id=module.id, title=f"Module {module.number}: {module.title}",
                          why=why, evidence=evidence, mastery_mean=mean, expected_gain=round(gain, 4),
                          role_weight=context.role.weight(module.id), actions=actions[:8])


def _topic_actions(topic: TopicMastery, module: Module, context: Context) -> list[NextAction]:
    actions = [NextAction(kind="study", target=topic.topic_id,
                          text=f"Study Module {module.number}, section \"{topic.title}\".")]
    exercises = {exercise.id: exercise for exercise in module.exercises}
    for exercise_id in context.placement.topic_exercises.get(topic.topic_id, ())[:1]:
        actions.append(NextAction(kind="study", target=exercise_id,
                                  text=f"Do exercise {exercise_id}: {exercises[exercise_id].title}."))
    actions.extend(_retries(topic, context))
    actions.extend(_practice(topic, context))
    return actions


def _retries(topic: TopicMastery, context: Context, count: int = 2) -> list[NextAction]:
    """Bank questions on the topic whose latest answer went badly, worst first."""
    index = context.placement.topic_index[topic.topic_id]
    outcome: dict[str, float] = {}
    for contribution in context.mastery.contributions[index]:
        observation = context.observations[contribution.observation]
        if observation.kind == "answer":
            outcome[observation.item_id] = contribution.outcome  # later answers overwrite earlier ones
    candidates = [item_id for item_id, value in outcome.items()
                  if value < RETRY_OUTCOME or context.latest_score.get(item_id, 10.0) < RETRY_BELOW]
    candidates.sort(key=lambda item_id: outcome[item_id])
    return [NextAction(kind="retry", target=item_id,
                       text=f"Retry \"{context.bank.get(item_id).title}\" ({item_id}): last "
                            f"{context.latest_score.get(item_id, 0.0):.1f}/10, {outcome[item_id]:.0%} on this topic.")
            for item_id in candidates[:count]]


def _practice(topic: TopicMastery, context: Context, count: int = 1) -> list[NextAction]:
    """Unsolved CUDA problems tagged with the topic, at one step above the hardest solved, nearest difficulty else."""
    step = practice_difficulty(sorted(context.solved), context.bank)
    problems = [question for question in context.bank if question.cuda is not None
                and topic.topic_id in question.topics and question.id not in context.solved]
    if not problems:
        return []

    def distance(question: Question) -> tuple[int, int, str]:
        offset = DIFFICULTY_STEPS.index(question.difficulty) - DIFFICULTY_STEPS.index(step)
        return abs(offset), 0 if offset > 0 else 1, question.id  # prefer harder over easier at equal distance

    reason = ("your first CUDA problem" if not context.solved
              else f"one step above the hardest you solved ({step.value} next)")
    return [NextAction(kind="practice", target=question.id,
                       text=f"Practise CUDA problem \"{question.title}\" ({question.id}, {question.difficulty.value}; "
                            f"{reason}).")
            for question in sorted(problems, key=distance)[:count]]

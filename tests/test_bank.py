"""What the bank must hold, item by item and in total (the counts of issue 3 and the seeds)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from question_bank.loader import Bank
from question_bank.models import Category, Difficulty

EXPECTED_CATEGORY_COUNTS = {
    Category.CORE_CONCEPTS: 20,
    Category.CUDA_PERFORMANCE: 15,
    Category.DISTRIBUTED_SYSTEMS: 12,
    Category.OPTIMIZATION_PRODUCTION: 13,
    Category.ARCHITECTURE: 30,
    Category.BEHAVIORAL: 20,
    Category.PROBLEM_SOLVING: 5,
    Category.CUDA_CODING: 30,
}


def seed_refs(bank: Bank, prefix: str) -> set[str]:
    return {ref for question in bank for ref in question.seed_refs if ref.startswith(prefix)}


def test_at_least_160_distinct_items(bank: Bank) -> None:
    assert len(bank) >= 160


@pytest.mark.parametrize("category", list(EXPECTED_CATEGORY_COUNTS))
def test_category_counts(bank: Bank, category: Category) -> None:
    # Items written for the code-review and debugging interviewers (seed 001's mock-interview agents) come on top.
    from_curriculum = [q for q in bank if not any(ref.startswith("001:mock-agent-") for ref in q.seed_refs)]
    assert sum(q.category == category for q in from_curriculum) == EXPECTED_CATEGORY_COUNTS[category]


def test_cuda_problems_are_10_easy_15_medium_5_hard(bank: Bank) -> None:
    counts = Counter(q.difficulty for q in bank if q.category == Category.CUDA_CODING)
    assert counts == {Difficulty.EASY: 10, Difficulty.MEDIUM: 15, Difficulty.HARD: 5}


def test_every_seed_system_design_scenario_has_an_item(bank: Bank) -> None:
    assert len(seed_refs(bank, "000:sd-")) == 20
    assert seed_refs(bank, "002:m9-design-") == {f"002:m9-design-{n}" for n in range(1, 11)}
    assert sum(q.category == Category.SYSTEM_DESIGN for q in bank) >= 20


@pytest.mark.parametrize(("prefix", "count"), [("002:m9-core-", 20), ("002:m9-cuda-", 15), ("002:m9-dist-", 12),
                                               ("002:m9-prod-", 13)])
def test_every_module_9_question_has_an_item(bank: Bank, prefix: str, count: int) -> None:
    assert seed_refs(bank, prefix) == {f"{prefix}{n}" for n in range(1, count + 1)}


def test_every_item_meets_the_content_bar(bank: Bank) -> None:
    for question in bank:
        assert len(question.rubric) >= 3 and len(question.follow_ups) >= 2, question.id
        assert question.topics and question.personas and question.references, question.id
        assert len(question.model_answer.split()) >= 60, f"{question.id}: the model answer is too thin"


def test_final_assessment_is_150_points_in_the_seed_shape(bank: Bank) -> None:
    assessment = bank.final_assessment
    assert [(len(p.entries), p.entries[0].points) for p in assessment.parts] == [(20, 4), (5, 8), (2, 15)]
    assert assessment.total_points == 150
    assert assessment.band_for(135).label.startswith("Excellent")
    assert assessment.band_for(134.5).label.startswith("Good")
    assert assessment.band_for(104).label.startswith("Review")


# Wrong figures that the seeds contain; a model answer must never repeat them.
KNOWN_SEED_ERRORS = [
    (r"5[.,]24\s*MB|5,242,880", "Llama-2-70B KV per token without GQA"),
    (r"85\.9\s*GB", "Llama-2-70B KV total without GQA"),
    (r"~?\s*64\s*KB\s+(?:of\s+registers\s+)?per\s+SM", "register file is 256 KB per SM"),
    (r"7-8x memory efficiency", "not a figure from the vLLM paper"),
]


@pytest.mark.parametrize(("pattern", "why"), KNOWN_SEED_ERRORS)
def test_no_model_answer_repeats_a_known_seed_error(bank: Bank, pattern: str, why: str) -> None:
    offenders = [q.id for q in bank if re.search(pattern, q.model_answer, re.I)]
    assert offenders == [], f"{why}: {offenders}"

"""The ten personas as data, the bank items their behaviours need, exhibits, and the prompts an LLM interviewer gets."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from interviewers.interviewer import (
    Interviewer,
    has_quantities,
    is_clarifying_question,
    names_bottleneck,
    requested_exhibits,
    speaks_for_the_team,
    star_parts_present,
)
from interviewers.personas import PERSONA_DIR, PersonaError, load_persona_file, load_personas
from interviewers.prompts import item_context, render_exhibit, system_prompt
from question_bank.loader import Bank
from question_bank.models import Category, Difficulty, Exhibit, PersonaId

BEHAVIOURS = {
    PersonaId.CODE_REVIEW: "code_review", PersonaId.DEBUGGING: "debugging", PersonaId.SYSTEM_DESIGN: "system_design",
    PersonaId.CUDA_KERNEL: "cuda_kernel", PersonaId.BEHAVIORAL: "behavioral_star",
}


def test_ten_personas_in_id_order_with_distinct_people() -> None:
    personas = load_personas()
    assert list(personas) == list(PersonaId)
    assert len({p.name for p in personas.values()}) == 10
    assert len({p.voice for p in personas.values()}) == 10
    for pid, persona in personas.items():
        assert persona.behaviour == BEHAVIOURS.get(pid, "standard"), pid
        assert persona.opening.strip() and persona.closing.strip() and persona.one_liner.strip()


def test_persona_topics_exist_and_enough_bank_items_are_tagged_for_each(bank: Bank) -> None:
    topic_ids = bank.taxonomy.topic_ids()
    for pid, persona in load_personas().items():
        assert set(persona.topics) <= topic_ids, (pid, set(persona.topics) - topic_ids)
        tagged = [q for q in bank if pid in q.personas and q.category in persona.categories]
        assert len(tagged) >= 10, (pid, len(tagged))


def test_code_review_and_debugging_have_at_least_six_items_with_exhibits(bank: Bank) -> None:
    reviews = [q for q in bank if PersonaId.CODE_REVIEW in q.personas
               and any(e.reveal == "upfront" and e.kind in ("code", "diagram") for e in q.exhibits)]
    debugging = [q for q in bank if PersonaId.DEBUGGING in q.personas
                 and sum(e.reveal == "on_request" for e in q.exhibits) >= 2]
    assert len(reviews) >= 6 and len(debugging) >= 6
    for question in reviews + debugging:
        assert len(question.follow_ups) >= 2 and all(p.key_concepts for p in question.rubric)
        assert any(p.misconceptions for p in question.rubric), question.id


def test_a_broken_persona_file_names_the_file_and_field(tmp_path: Path) -> None:
    source = (PERSONA_DIR / "debugging.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "debugging.yaml"
    broken.write_text(source.replace("strictness: 4", "strictness: 9"), encoding="utf-8")
    with pytest.raises(PersonaError, match=r"debugging\.yaml: strictness"):
        load_persona_file(broken)
    misnamed = tmp_path / "performance.yaml"
    misnamed.write_text(source, encoding="utf-8")
    with pytest.raises(PersonaError, match="must match the file name"):
        load_persona_file(misnamed)


def test_an_on_request_exhibit_needs_triggers() -> None:
    with pytest.raises(ValidationError, match="needs triggers"):
        Exhibit(kind="log", title="server log", content="boom", reveal="on_request", triggers=[])
    shown = Exhibit(kind="code", title="k.cu", content="__global__ void k() {}", language="cuda", reveal="upfront")
    assert render_exhibit(shown).startswith("[code: k.cu]\n```cuda\n__global__ void k() {}")


def test_prompts_carry_the_voice_and_mark_the_rubric_confidential(bank: Bank) -> None:
    persona = load_personas()[PersonaId.DEBUGGING]
    system = system_prompt(persona)
    assert persona.name in system and "Never reveal" in system and "one question at a time" in system.lower()
    assert all(rule in system for rule in persona.rules)
    question = bank.get("cudaperf.debug-illegal-memory-access")
    context = item_context(question)
    assert context.startswith("CONFIDENTIAL")
    assert all(point.text in context for point in question.rubric)
    assert "only when asked" in context and question.exhibits[0].content not in context


@pytest.mark.parametrize(("text", "expected"), [
    ("We need to serve 2,000 QPS at p99 under 300 ms on 16 H100s.", True),
    ("Each replica holds 140 GB of weights.", True),
    ("It costs about $2.50 per GPU-hour.", True),
    ("I'd put a load balancer in front of a pool of model servers with a shared cache.", False),
    ("Use continuous batching and paged attention for the KV cache.", False),
])
def test_quantities_are_numbers_with_units(text: str, expected: bool) -> None:
    assert has_quantities(text) is expected


def test_star_parts_ownership_and_bottleneck_detection() -> None:
    vague = "We had a slow kernel. We looked into it and we fixed it and it was better."
    assert star_parts_present(vague) == {"situation": True, "task": False, "action": False, "result": False}
    assert speaks_for_the_team(vague)
    full = ("At my previous company our decode latency regressed. I was responsible for the kernel. I profiled it with "
            "nsys and rewrote the reduction. As a result p99 dropped from 80 ms to 45 ms.")
    assert all(star_parts_present(full).values()) and not speaks_for_the_team(full)
    assert names_bottleneck("It's memory-bound: arithmetic intensity 0.25 FLOP/byte; occupancy is limited by registers.")
    assert not names_bottleneck("Each thread loads one element and writes it back.")
    assert is_clarifying_question("How many requests per second should I assume?")
    assert not is_clarifying_question("I would start with the logs.")


def test_requests_are_matched_to_exhibits_by_trigger_or_kind(bank: Bank) -> None:
    exhibits = bank.get("dist.debug-nccl-hang").exhibits
    titles = lambda found: [e.title for e in found]  # noqa: E731
    wanted, asking = requested_exhibits("Can I see the logs?", exhibits)
    assert titles(wanted) == ["watchdog messages from the job log"] and asking
    wanted, _ = requested_exhibits("I'd grab a py-spy dump of every rank.", exhibits)
    assert titles(wanted) == ["py-spy dump of every rank"]
    wanted, asking = requested_exhibits("My guess is a mismatched collective on one rank.", exhibits)
    assert wanted == [] and not asking
    wanted, asking = requested_exhibits("Could you show me dmesg from node b?", exhibits)
    assert wanted == [] and not asking  # asks for something, but no evidence word: treated as a question
    wanted, asking = requested_exhibits("Do we have a flame graph profile?", bank.get("prod.debug-oom-after-hours").exhibits)
    assert wanted == [] and asking  # wants evidence this item does not have


def test_pick_questions_prefers_the_persona_items_and_honours_exclude_and_difficulty(bank: Bank) -> None:
    who = Interviewer(load_personas()[PersonaId.DEBUGGING], bank, llm=None, embedder=None, rng=random.Random(5))
    first = who.pick_questions(None, 6, set())
    assert len(first) == 6 and all(any(e.reveal == "on_request" for e in q.exhibits) for q in first)
    again = who.pick_questions(None, 6, {q.id for q in first})
    assert not {q.id for q in again} & {q.id for q in first}
    hard = who.pick_questions([Category.CUDA_PERFORMANCE], 40, set(), Difficulty.HARD)
    assert hard and all(q.difficulty == Difficulty.HARD and q.category == Category.CUDA_PERFORMANCE for q in hard)
    tagged = [q for q in hard if PersonaId.DEBUGGING in q.personas]
    assert hard[: len(tagged)] == tagged  # its own items first, then the rest of the category
    assert len(hard) == sum(q.category == Category.CUDA_PERFORMANCE and q.difficulty == Difficulty.HARD for q in bank)

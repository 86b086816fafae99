"""Each interviewer behaves like its role, decided offline from rubric coverage with the real embedding model.

The acceptance criterion: the personas' first questions and first follow-ups differ in kind, not only in wording.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest

from gap_engine.embeddings import Embedder, shared_embedder
from interviewers.interviewer import (
    BOTTLENECK_PROMPT,
    KERNEL_FIRST,
    MORE_FLAWS_PROMPT,
    NUMBERS_PROMPT_DESIGN,
    OWNERSHIP_PROMPT,
    STAR_PROMPTS,
    Interviewer,
    InterviewerMove,
)
from interviewers.personas import load_personas
from question_bank.loader import Bank
from question_bank.models import Category, PersonaId, Question
from tutor.records import Turn

PLENTY = 600.0


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    model = shared_embedder()
    model.warm()
    yield model


def interviewer(bank: Bank, persona: PersonaId, embedder: Embedder, seed: int = 7) -> Interviewer:
    return Interviewer(load_personas()[persona], bank, llm=None, embedder=embedder, rng=random.Random(seed))


def turn(seq: int, role: str, text: str, item_id: str, phase: str | None = None) -> Turn:
    return Turn(session_id="s", seq=seq, role=role, text=text, item_id=item_id, phase=phase)  # type: ignore[arg-type]


class Conversation:
    """Drives one question: asks it, then feeds answers and records the transcript the way the session engine does."""

    def __init__(self, who: Interviewer, question: Question) -> None:
        self.who = who
        self.question = question
        self.turns: list[Turn] = []
        self.moves: list[InterviewerMove] = [who.ask(question)]
        self._say(self.moves[0])

    def _say(self, move: InterviewerMove) -> None:
        self.turns.append(turn(len(self.turns) + 1, "interviewer", move.text, self.question.id))

    def answer(self, text: str, seconds_left: float = PLENTY) -> InterviewerMove:
        self.turns.append(turn(len(self.turns) + 1, "candidate", text, self.question.id))
        move = self.who.next_move(self.question, self.turns, text, seconds_left)
        self.moves.append(move)
        self._say(move)
        return move


# --- code review ---------------------------------------------------------------------------------------------------


def test_code_review_shows_the_flawed_code_and_chases_the_flaws_not_yet_named(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.CODE_REVIEW, embedder)
    picked = who.pick_questions([Category.CUDA_PERFORMANCE], 3, set())
    assert all(any(e.reveal == "upfront" for e in q.exhibits) for q in picked)

    question = bank.get("cudaperf.review-transpose-bank-conflicts")
    talk = Conversation(who, question)
    opening = talk.moves[0]
    assert opening.kind == "question" and opening.exhibit is not None and opening.exhibit.kind == "code"
    assert opening.exhibit.content in opening.text and "```cuda" in opening.text

    move = talk.answer("The read tile[threadIdx.x][threadIdx.y] walks down a column of the shared tile: word x*32+y is "
                       "always in bank y, so the 32 lanes of a warp hit one bank - a 32-way bank conflict. I'd pad the "
                       "tile to [32][33] so the bank becomes (x+y) mod 32 and the column read is conflict-free.")
    assert move.kind == "follow_up"
    assert "bank-conflict" not in move.probes and "padding-fix" not in move.probes
    assert "bounds" in move.probes or "measure-and-verify" in move.probes


def test_code_review_says_there_is_more_when_scripted_follow_ups_run_out(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.CODE_REVIEW, embedder)
    question = bank.get("cudaperf.review-grid-stride-tail")
    talk = Conversation(who, question)
    moves = [talk.answer("Looks fine to me, I'd approve it.") for _ in range(4)]
    kinds = [m.kind for m in moves]
    assert kinds[0] == "follow_up" and "move_on" in kinds
    asked = [m.text for m in moves if m.kind == "follow_up"]
    assert len(asked) == len(set(asked)) <= load_personas()[PersonaId.CODE_REVIEW].max_follow_ups


# --- debugging -----------------------------------------------------------------------------------------------------


def test_debugging_gives_a_symptom_and_reveals_evidence_only_when_asked(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.DEBUGGING, embedder)
    picked = who.pick_questions(None, 4, set())
    assert all(any(e.reveal == "on_request" for e in q.exhibits) for q in picked)

    question = bank.get("prod.debug-oom-after-hours")
    talk = Conversation(who, question)
    opening = talk.moves[0]
    assert opening.exhibit is None and "Available if you ask for it" in opening.text
    for exhibit in question.exhibits:
        assert exhibit.title in opening.text and exhibit.content.strip().splitlines()[0] not in opening.text

    guess = talk.answer("Probably a memory leak somewhere in the server; it grows over time until it runs out.")
    assert guess.kind == "clarify" and guess.exhibit is None and "look at first" in guess.text
    assert all(e.content.strip().splitlines()[0] not in guess.text for e in question.exhibits)

    shown = talk.answer("Can I see the logs from the crash?")
    assert shown.kind == "exhibit" and shown.exhibit is not None and shown.exhibit.title.startswith("vLLM server log")
    assert "Tried to allocate 3.91 GiB" in shown.text
    assert "nvidia-smi on the node" not in [e.title for e in shown.exhibits]

    both = talk.answer("Another process is listed. What does nvidia-smi show, and can I see the memory dashboard?")
    assert both.kind == "exhibit" and {e.title for e in both.exhibits} == {
        "nvidia-smi on the node", "GPU memory dashboard for the night of the last crash"}

    missing = talk.answer("Can I see the kernel logs from dmesg?")
    assert missing.kind == "clarify" and "don't have that" in missing.text


# --- system design -------------------------------------------------------------------------------------------------


def test_system_design_asks_for_numbers_when_the_answer_has_none(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.SYSTEM_DESIGN, embedder)
    question = bank.get("design.llm-inference-system")
    talk = Conversation(who, question)
    vague = talk.answer("I'd put a gateway in front, route requests to a pool of model servers running vLLM with "
                        "continuous batching, and autoscale the pool. Monitoring and logging on the side.")
    assert vague.kind == "follow_up" and vague.text.endswith(NUMBERS_PROMPT_DESIGN)

    numbers = talk.answer("Say 500 requests per second at peak, 2,000-token prompts and 300-token answers, p99 TTFT under "
                          "800 ms. A 70B model in BF16 is 140 GB, so TP-4 on 80 GB H100s, about 40 replicas.")
    assert numbers.kind != "move_on" and NUMBERS_PROMPT_DESIGN not in numbers.text


def test_system_design_drives_the_stages_when_the_format_does_not(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.SYSTEM_DESIGN, embedder)
    question = bank.get("design.llm-inference-system")
    talk = Conversation(who, question)
    detailed = ("Requirements first: 500 requests per second, p99 latency 800 ms, 2,000-token prompts on 40 replicas "
                "of 4 H100s. ")
    first = talk.answer(detailed + "Gateway, router, model servers with continuous batching.")
    assert "high-level architecture" in first.text
    stages = [talk.answer(detailed + "More detail on the same design.").text for _ in range(6)]
    assert any("Now scale it" in text for text in stages) and any("trade-offs" in text for text in stages)
    assert talk.moves[-1].kind == "move_on"


def test_system_design_leaves_the_stages_to_a_format_that_stages_the_question(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.SYSTEM_DESIGN, embedder)
    question = bank.get("design.llm-inference-system")
    who.ask(question)
    turns = [turn(1, "interviewer", question.prompt, question.id, "requirements"),
             turn(2, "candidate", "500 requests per second, 40 replicas of 4 H100s, p99 800 ms.", question.id, "deep-dive")]
    move = who.next_move(question, turns, turns[-1].text, PLENTY)
    assert "high-level architecture" not in move.text and "Now scale it" not in move.text


# --- CUDA kernel ---------------------------------------------------------------------------------------------------


def test_cuda_kernel_asks_for_the_kernel_then_for_its_bottleneck(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.CUDA_KERNEL, embedder)
    question = who.pick_questions([Category.CUDA_CODING], 1, set())[0]
    talk = Conversation(who, question)
    assert talk.moves[0].text.endswith(KERNEL_FIRST)
    move = talk.answer("__global__ void k(const float* x, float* y, int n) {\n  int i = blockIdx.x * blockDim.x + "
                       "threadIdx.x;\n  if (i < n) y[i] = x[i];\n}\n// one thread per element, 256-thread blocks")
    assert move.kind == "follow_up" and move.text.endswith(BOTTLENECK_PROMPT)
    later = talk.answer("I'm not sure.")
    assert BOTTLENECK_PROMPT not in later.text


# --- behavioral ----------------------------------------------------------------------------------------------------


def test_behavioral_asks_for_the_missing_star_parts_then_for_ownership(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.BEHAVIORAL, embedder)
    question = bank.get("behav.hardest-performance-bug")
    talk = Conversation(who, question)
    no_action = talk.answer("At my last company our inference latency doubled after a driver upgrade, and I was "
                            "responsible for fixing it before the launch.")
    assert no_action.kind == "follow_up" and no_action.text.endswith(STAR_PROMPTS["action"])
    no_result = talk.answer("I bisected the driver versions, profiled both with nsys and found a change in a "
                            "library's kernel selection, then pinned the library version.")
    assert no_result.text.endswith(STAR_PROMPTS["result"])

    other = interviewer(bank, PersonaId.BEHAVIORAL, embedder)
    talk = Conversation(other, question)
    team = talk.answer("At my last company we had a latency regression. Our goal was to fix it before launch. We "
                       "profiled it, we found the bad kernel and we rewrote it. In the end latency dropped 40%.")
    assert team.text.endswith(OWNERSHIP_PROMPT)


# --- deep dive (standard) ------------------------------------------------------------------------------------------


def test_deep_dive_follows_up_on_the_points_the_answer_left_out(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.DEEP_DIVE, embedder)
    question = bank.get("core.paged-attention")
    talk = Conversation(who, question)
    first = talk.answer("Before vLLM each request's KV cache was one contiguous buffer reserved for the maximum "
                        "sequence length, so most of it sat unused: internal fragmentation inside each reservation, "
                        "external fragmentation between them, so few sequences fit in GPU memory.")
    assert first.kind == "follow_up" and "fragmentation" not in first.probes
    second = talk.answer("I'm not sure.")
    assert second.kind == "follow_up" and second.text != first.text and "fragmentation" not in second.probes
    # The one scripted follow-up left probes fragmentation, which the first answer covered: nothing left to ask.
    assert talk.answer("No idea.").kind == "move_on"


def test_a_complete_answer_or_the_clock_moves_on(bank: Bank, embedder: Embedder) -> None:
    who = interviewer(bank, PersonaId.DEEP_DIVE, embedder)
    question = bank.get("core.paged-attention")
    talk = Conversation(who, question)
    assert talk.answer(question.model_answer).kind == "move_on"
    talk = Conversation(who, question)
    assert talk.answer("I don't know.", seconds_left=20).kind == "move_on"


def test_a_restarted_interviewer_does_not_repeat_a_follow_up(bank: Bank, embedder: Embedder) -> None:
    question = bank.get("core.paged-attention")
    talk = Conversation(interviewer(bank, PersonaId.DEEP_DIVE, embedder), question)
    first = talk.answer("It stores the KV cache in blocks.")
    fresh = interviewer(bank, PersonaId.DEEP_DIVE, embedder)
    talk.turns.append(turn(len(talk.turns) + 1, "candidate", "Not sure.", question.id))
    again = fresh.next_move(question, talk.turns, "Not sure.", PLENTY)
    assert again.text != first.text


# --- across personas -----------------------------------------------------------------------------------------------

VAGUE = "We had an issue and we fixed it; it was a tricky problem and we learned a lot."


def _first_two(bank: Bank, embedder: Embedder, persona: PersonaId) -> tuple[InterviewerMove, InterviewerMove]:
    who = interviewer(bank, persona, embedder)
    question = who.pick_questions(None, 1, set())[0]
    talk = Conversation(who, question)
    return talk.moves[0], talk.answer(VAGUE)


def _kind_signature(first: InterviewerMove, follow: InterviewerMove) -> tuple[object, ...]:
    opening = ("shows " + first.exhibit.kind if first.exhibit else "offers evidence" if "Available if you ask" in first.text
               else "asks for a kernel" if KERNEL_FIRST in first.text else "asks")
    follow_kind = ("numbers" if NUMBERS_PROMPT_DESIGN in follow.text else "bottleneck" if BOTTLENECK_PROMPT in follow.text
                   else "star" if any(p in follow.text for p in (*STAR_PROMPTS.values(), OWNERSHIP_PROMPT))
                   else "look-first" if follow.kind == "clarify" else "more-flaws" if MORE_FLAWS_PROMPT in follow.text
                   else "rubric" if follow.probes else follow.kind)
    return opening, follow_kind


def test_personas_first_question_and_follow_up_differ_in_kind(bank: Bank, embedder: Embedder) -> None:
    signatures = {pid: _kind_signature(*_first_two(bank, embedder, pid)) for pid in (
        PersonaId.CODE_REVIEW, PersonaId.DEBUGGING, PersonaId.SYSTEM_DESIGN, PersonaId.CUDA_KERNEL,
        PersonaId.BEHAVIORAL, PersonaId.DEEP_DIVE)}
    assert signatures[PersonaId.CODE_REVIEW][0] in ("shows code", "shows diagram")
    assert signatures[PersonaId.DEBUGGING] == ("offers evidence", "look-first")
    assert signatures[PersonaId.SYSTEM_DESIGN][1] == "numbers"
    assert signatures[PersonaId.CUDA_KERNEL] == ("asks for a kernel", "bottleneck")
    assert signatures[PersonaId.BEHAVIORAL][1] == "star"
    assert signatures[PersonaId.DEEP_DIVE] == ("asks", "rubric")
    assert len(set(signatures.values())) == len(signatures), signatures


def _secret_fragments(question: Question) -> list[str]:
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", question.model_answer) if len(s.strip()) > 40]
    points = [point.text for point in question.rubric]
    corrections = [m.correction for point in question.rubric for m in point.misconceptions]
    return sentences + points + corrections


@pytest.mark.parametrize("persona", list(PersonaId))
def test_no_move_reveals_the_rubric_or_the_model_answer(bank: Bank, embedder: Embedder, persona: PersonaId) -> None:
    who = interviewer(bank, persona, embedder, seed=3)
    answers = ["I'm not sure where to start.", "Can I see the logs and the code? What does nsys show?",
               "We fixed it as a team.", "How many users should I assume?"]
    for question in who.pick_questions(None, 2, set()):
        talk = Conversation(who, question)
        for answer in answers:
            talk.answer(answer)
        said = "\n".join(move.text for move in talk.moves)
        for fragment in _secret_fragments(question):
            assert fragment not in said, (question.id, fragment)

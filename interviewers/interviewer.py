"""The interviewer: asks bank questions, listens, follows up on what the answer has not covered, and moves on.

Every decision is made here, in code, from the bank item and the rubric coverage of the candidate's answers
(``rubrics.coverage.point_coverage``), so an offline interview is as targeted as an online one. An LLM, when there is
one, only words the chosen move in the persona's voice (``speak``); without one the move's own text is said, with a
persona-flavoured lead-in.

Behaviours beyond the standard follow-up loop, chosen by ``Persona.behaviour``:
- code_review: the question comes with its flawed code (an ``upfront`` exhibit); follow-ups target flaws not yet named.
- debugging: the question is a symptom plus a list of what can be shown; logs, profiles, metrics or code are revealed
  only when the candidate asks for them (matched against the exhibit's triggers and kind).
- system_design: drives requirements -> architecture -> deep dive -> scaling -> trade-offs (unless the session format
  already stages the question) and asks for numbers whenever an answer has none.
- cuda_kernel: asks for the kernel first, then for its bottleneck as the next move.
- behavioral_star: asks for the missing Situation / Task / Action / Result, then for personal ownership and numbers.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from interviewers.personas import Persona
from interviewers.prompts import item_context, move_instruction, render_exhibit, system_prompt
from question_bank.loader import Bank
from question_bank.models import Category, Difficulty, Exhibit, Question
from rubrics.coverage import POINT_COVERED, point_coverage
from tutor.llm import CancelToken, ChatMessage, LLMUnavailable, Prompt
from tutor.records import Turn

if TYPE_CHECKING:
    from gap_engine.embeddings import Embedder
    from tutor.llm import LLM

MoveKind = Literal["greeting", "question", "follow_up", "exhibit", "clarify", "move_on", "close"]

LOW_TIME_SECONDS = 60.0  # with less than this left on the phase clock, the interviewer wraps the question up
MAX_NUDGES = 3  # behaviour-specific prompts (numbers, STAR parts, bottleneck) per question
MAX_CLARIFICATIONS = 2


class InterviewerMove(BaseModel):
    kind: MoveKind
    text: str  # the offline wording, always filled: lead-in, what is asked, and any exhibit shown verbatim
    item_id: str | None = None
    probes: list[str] = []  # rubric point ids this move tests
    exhibit: Exhibit | None = None  # the first exhibit shown by this move
    exhibits: list[Exhibit] = []  # every exhibit shown by this move (a request may name several)
    intent: str = ""  # what the move asks, without lead-in or exhibits: what an LLM rewords in the persona's voice


@dataclass
class _ItemState:
    """What has happened on one question so far; rebuilt from the transcript if the interviewer was restarted."""

    asked_follow_ups: list[int] = field(default_factory=list)  # indices into question.follow_ups
    revealed: list[str] = field(default_factory=list)  # exhibit titles shown
    nudges: list[str] = field(default_factory=list)  # behaviour prompts used: "numbers", "star:result", ...
    clarifications: int = 0
    stage: int = 0  # system design stage index when the interviewer drives the stages itself
    stages_asked: list[str] = field(default_factory=list)  # stage prompts said, e.g. "requirements", "scaling"
    generic_probes: int = 0  # "there's more to find" prompts when no scripted follow-up is left


# --- answer analysis (pure functions, tested directly) -----------------------------------------------------------

_QUANTITY = re.compile(
    r"(\$\s?\d)|(\d[\d,.]*\s*(k|m|b|bn)?\s*"
    r"(qps|rps|req/s|requests?\b|tokens?/s|tok/s|tps\b|tokens?\b|gb/s|tb/s|gib|gb|tb|mb|kib|kb|ms\b|us\b|µs|s\b|sec|seconds?"
    r"|minutes?|hours?|gpus?\b|h100s?|a100s?|h200s?|nodes?\b|replicas?\b|%|x\b|tflops|flops|users\b|dollars|cents|"
    r"percent|per\s+(second|sec|gpu|request|token|hour|month)))",
    re.IGNORECASE,
)


_REQUIREMENTS = re.compile(r"\b(requirements?|slos?|sla|qps|rps|requests per second|latency|p99|p50|users|traffic|"
                           r"throughput|context length|prompt length)\b", re.IGNORECASE)


def has_quantities(text: str) -> bool:
    """Whether an answer puts numbers with units on things (QPS, GB, ms, GPUs, $, %) - what a design round asks for."""
    return _QUANTITY.search(text) is not None


_STAR_CUES: dict[str, re.Pattern[str]] = {
    "situation": re.compile(
        r"\b(when i was|at my (previous|last|current|old|first)|at (a|my|our) (company|startup|team|job|employer)|our team|"
        r"my team|we were|we had|the team was|last (year|quarter|spring|summer|fall|autumn|winter)|a (few|couple of) "
        r"(years|months) ago|in 20\d\d|the situation|context|background|back then|at the time|i was working|i was on|"
        r"i worked)\b", re.IGNORECASE),
    "task": re.compile(
        r"\b(my (task|job|goal|role|responsibility|mandate)|i was (asked|responsible|tasked|assigned|in charge|supposed)|"
        r"i (needed|had) to|the goal was|we needed to|we had to|our goal|the task|objective|deadline|it was on me|"
        r"i owned|i was the owner)\b", re.IGNORECASE),
    "action": re.compile(
        r"\bi (then |first |also |personally )?(built|wrote|designed|proposed|decided|led|implemented|profiled|measured|"
        r"ran|set up|added|changed|created|introduced|organi[sz]ed|drove|pushed|convinced|talked|met|started|rewrote|"
        r"fixed|benchmarked|analy[sz]ed|investigated|debugged|reviewed|prototyped|migrated|scheduled|negotiated|asked|"
        r"escalated|split|moved|replaced|tested|deployed|shipped|traced|bisected|used|took|made|suggested|recommended|"
        r"documented|automated|paired|mentored|wrote up|presented|instrumented|reproduced|rolled|told|gave|explained|"
        r"spoke|sat down|shared|showed|prepared|framed|listened|agreed|followed up|reached out|called|pointed out|"
        r"worked|spent|chose|identified|found|noticed|argued|pitched|hired|coached|delegated|planned|estimated)\b",
        re.IGNORECASE),
    "result": re.compile(
        r"(\b(the result|as a result|result was|outcome|in the end|eventually|ended up|reduced|improved|increased|"
        r"decreased|cut|saved|dropped|went (from|down|up)|which led|led to|launched|resolved|never (happened|recurred) "
        r"again|since then)\b)|(\d[\d,.]*\s*(%|x\b|ms\b|percent|times))", re.IGNORECASE),
}
STAR_PARTS = ("situation", "task", "action", "result")


def star_parts_present(text: str) -> dict[str, bool]:
    """Which parts of a STAR story an answer contains, by the phrases people use to tell each part."""
    return {part: _STAR_CUES[part].search(text) is not None for part in STAR_PARTS}


_WE = re.compile(r"\b(we|our|us)\b", re.IGNORECASE)
_I = re.compile(r"\b(i|my|me|i'd|i'm|i've)\b", re.IGNORECASE)


def speaks_for_the_team(text: str) -> bool:
    """'We did...' throughout, hardly any 'I': the interviewer cannot tell what the candidate did."""
    we, i = len(_WE.findall(text)), len(_I.findall(text))
    return we >= 3 and we > 2 * i


_BOTTLENECK = re.compile(
    r"(memory[- ]bound|compute[- ]bound|bandwidth[- ]bound|latency[- ]bound|arithmetic intensity|roofline|"
    r"flops?/byte|bytes? per flop)", re.IGNORECASE)
_OCCUPANCY = re.compile(r"occupancy", re.IGNORECASE)


def names_bottleneck(text: str) -> bool:
    """Whether a kernel answer already says what bounds it (memory vs compute) and what limits occupancy."""
    return _BOTTLENECK.search(text) is not None and _OCCUPANCY.search(text) is not None


_REQUEST_CUES = re.compile(
    r"(\?|\b(see|show|look|looking|check|pull|share|inspect|open|run|grab|read|examine|review|dump|collect|capture|get|"
    r"have|want|need|give|send|access)\b)", re.IGNORECASE)
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "log": ("log", "logs", "logging", "stderr", "stdout", "output of the server", "error message", "stack trace", "traceback"),
    "profile": ("nsys", "ncu", "nsight", "profile", "profiler", "profiling", "trace", "timeline"),
    "metrics": ("metrics", "metric", "dashboard", "grafana", "prometheus", "graphs", "monitoring"),
    "code": ("code", "kernel", "source", "diff", "implementation"),
    "diagram": ("diagram", "architecture", "topology"),
}


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?;\n])\s+", text) if part.strip()]


def _mentions(sentence: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase.lower())}(?![a-z0-9])", sentence.lower()) is not None


def requested_exhibits(text: str, exhibits: Sequence[Exhibit]) -> tuple[list[Exhibit], bool]:
    """The on-request exhibits a candidate's words ask for, and whether the words ask to see anything at all.

    A sentence asks when it is a question or says see/show/check/pull...; it asks for an exhibit when it names one of
    the exhibit's triggers, or a word for its kind ("logs", "nsys", "metrics", "the kernel").
    """
    asking = [sentence for sentence in _sentences(text) if _REQUEST_CUES.search(sentence)]
    hidden = [exhibit for exhibit in exhibits if exhibit.reveal == "on_request"]
    wanted = [exhibit for exhibit in hidden
              if any(_mentions(sentence, word) for sentence in asking for word in exhibit.triggers)]
    if not wanted:  # no trigger named: a generic "the logs" / "a profile" gets the first exhibit of that kind
        for kind, words in KIND_WORDS.items():
            of_kind = [exhibit for exhibit in hidden if exhibit.kind == kind]
            if of_kind and any(_mentions(sentence, word) for sentence in asking for word in words):
                wanted.append(of_kind[0])
    asks_for_evidence = any(_mentions(sentence, word) for sentence in asking
                            for words in KIND_WORDS.values() for word in words)
    return wanted, asks_for_evidence


def is_clarifying_question(text: str) -> bool:
    """A short turn that is a question back to the interviewer rather than an answer."""
    stripped = text.strip()
    return stripped.endswith("?") and len(stripped.split()) <= 40


# --- the interviewer ---------------------------------------------------------------------------------------------

DESIGN_STAGES: tuple[tuple[str, str], ...] = (
    ("requirements", "Start with requirements: what would you ask me, and which numbers - requests per second, prompt "
                     "and output lengths, latency targets, model size - will you design for?"),
    ("architecture", "Sketch the high-level architecture: the main components, how one request flows through them, "
                     "and where the state lives."),
    ("deep-dive", ""),  # the rubric-targeted follow-ups of the bank item
    ("scaling", "Now scale it, with numbers: how many GPUs, how much memory per replica, what throughput per GPU, "
                "what it costs, and what breaks first at ten times the traffic?"),
    ("trade-offs", "What are the main trade-offs in your design, which alternative did you reject, and what would "
                   "change your mind?"),
)

STAR_PROMPTS = {
    "situation": "Set the scene for me first: where were you, what was the team, and what was going on?",
    "task": "What exactly was your responsibility there - what were you on the hook for?",
    "action": "Walk me through what you did, step by step - your actions, not the team's.",
    "result": "How did it turn out? What was the measurable result?",
}
OWNERSHIP_PROMPT = "You said 'we' a lot. What did you personally do, and what did you decide?"
NUMBERS_PROMPT_STAR = "Can you put a number on the outcome - latency, cost, incidents, time saved - and how was it measured?"
NUMBERS_PROMPT_DESIGN = ("Put numbers on that: how many requests per second, how many GB of weights and KV cache per "
                         "replica, what latency in ms at p99, how many GPUs, and roughly what it costs.")
BOTTLENECK_PROMPT = ("Where does this kernel spend its time? Is it memory-bound or compute-bound - give me the "
                     "arithmetic intensity against the GPU's ridge point - and what limits its occupancy?")
KERNEL_FIRST = "Write the kernel first - code or precise pseudocode, with the indexing - then we'll talk about what limits it."
MORE_FLAWS_PROMPT = "There is still more in this code that I would block the merge for. Keep reading - what else do you see?"
WHAT_TO_LOOK_AT = "What would you want to look at first, and what would it tell you?"


class Interviewer:
    """One persona running the questions of a session; see the module docstring for the behaviours."""

    def __init__(self, persona: Persona, bank: Bank, *, llm: LLM | None, embedder: Embedder | None,
                 rng: random.Random) -> None:
        self.persona = persona
        self.bank = bank
        self.llm = llm
        self.embedder = embedder
        self.rng = rng
        self._states: dict[str, _ItemState] = {}

    # --- choosing questions --------------------------------------------------------------------------------------

    def pick_questions(self, categories: list[Category] | None, count: int, exclude: set[str],
                       difficulty: Difficulty | None = None) -> list[Question]:
        """Bank items this persona would ask: its own tagged items first (those that fit its behaviour before the
        rest, then its favourite topics), then any item of the wanted categories, shuffled by the session's rng."""
        wanted = set(categories) if categories else set(self.persona.categories)
        pool = [q for q in self.bank if q.category in wanted and q.id not in exclude
                and (difficulty is None or q.difficulty == difficulty)]
        self.rng.shuffle(pool)
        favourite_topics = set(self.persona.topics)

        def rank(question: Question) -> tuple[int, int, int]:
            tagged = self.persona.id in question.personas
            return (0 if tagged else 1, 0 if self._fits_behaviour(question) else 1,
                    0 if favourite_topics.intersection(question.topics) else 1)

        return sorted(pool, key=rank)[:count]

    def _fits_behaviour(self, question: Question) -> bool:
        behaviour = self.persona.behaviour
        if behaviour == "code_review":
            return any(exhibit.reveal == "upfront" for exhibit in question.exhibits)
        if behaviour == "debugging":
            return any(exhibit.reveal == "on_request" for exhibit in question.exhibits)
        if behaviour == "cuda_kernel":
            return _asks_for_kernel(question)
        if behaviour == "system_design":
            return question.category == Category.SYSTEM_DESIGN
        if behaviour == "behavioral_star":
            return question.category == Category.BEHAVIORAL
        return True

    # --- moves ---------------------------------------------------------------------------------------------------

    def greeting(self) -> InterviewerMove:
        return InterviewerMove(kind="greeting", text=self.persona.opening.strip(), intent=self.persona.opening.strip())

    def closing(self) -> InterviewerMove:
        return InterviewerMove(kind="close", text=self.persona.closing.strip(), intent=self.persona.closing.strip())

    def ask(self, question: Question) -> InterviewerMove:
        """The question as this persona opens it: with flawed code shown (code review), with the list of what can be
        asked for (debugging), or with a request for the kernel first (CUDA)."""
        state = self._states[question.id] = _ItemState()
        intent = question.prompt.strip()
        behaviour = self.persona.behaviour
        if behaviour == "cuda_kernel" and _asks_for_kernel(question):
            intent += "\n\n" + KERNEL_FIRST
        hidden = [exhibit for exhibit in question.exhibits if exhibit.reveal == "on_request"]
        if hidden:
            intent += "\n\n" + _available_line(hidden)
        shown = [exhibit for exhibit in question.exhibits if exhibit.reveal == "upfront"]
        state.revealed.extend(exhibit.title for exhibit in shown)
        return self._move("question", question, intent, exhibits=shown)

    def next_move(self, question: Question, exchange: list[Turn], answer: str, seconds_left: float) -> InterviewerMove:
        """What the interviewer does after the candidate's latest answer on ``question``.

        ``exchange`` is the transcript so far (turns of other questions are ignored); ``answer`` is the latest
        candidate text, which may or may not already be the exchange's last turn.
        """
        turns = [turn for turn in exchange if turn.item_id in (None, question.id)]
        state = self._state(question, turns)
        candidate_text = _candidate_text(turns, answer)
        if seconds_left < LOW_TIME_SECONDS:
            return self._move("move_on", question, "")

        evidence = self._exhibit_move(question, state, answer)
        if evidence is not None:
            return evidence
        if is_clarifying_question(answer) and state.clarifications < MAX_CLARIFICATIONS:
            state.clarifications += 1
            return self._move("clarify", question, "")

        coverage = self._coverage(question, candidate_text)
        behaviour = self.persona.behaviour
        if behaviour == "behavioral_star":
            nudge = self._star_nudge(state, candidate_text)
            if nudge is not None:
                return self._follow_up(question, state, nudge[0], nudge[1], [])
        if behaviour == "cuda_kernel" and _asks_for_kernel(question) and "bottleneck" not in state.nudges \
                and not names_bottleneck(candidate_text):
            probes = _points_matching(question, ("bound", "bandwidth", "occupancy", "roofline", "intensity", "bytes"))
            return self._follow_up(question, state, "bottleneck", BOTTLENECK_PROMPT, probes)
        if behaviour == "system_design" and not has_quantities(answer) and state.nudges.count("numbers") < 2 \
                and len(state.nudges) < MAX_NUDGES:
            probes = _points_matching(question, ("capacity", "numbers", "memory", "cost", "throughput", "latency", "gpus"))
            return self._follow_up(question, state, "numbers", NUMBERS_PROMPT_DESIGN, probes)
        if behaviour == "debugging" and not state.revealed and "look-first" not in state.nudges \
                and any(exhibit.reveal == "on_request" for exhibit in question.exhibits) \
                and _weighted(coverage, question) < self.persona.coverage_threshold:
            state.nudges.append("look-first")
            hidden = [exhibit for exhibit in question.exhibits if exhibit.reveal == "on_request"]
            return self._move("clarify", question, WHAT_TO_LOOK_AT + " " + _available_line(hidden))

        if behaviour == "system_design" and self._drives_design_stages(question, turns):
            return self._design_stage_move(question, state, coverage, candidate_text)
        return self._rubric_move(question, state, coverage)

    # --- behaviour helpers ---------------------------------------------------------------------------------------

    def _exhibit_move(self, question: Question, state: _ItemState, answer: str) -> InterviewerMove | None:
        hidden = [exhibit for exhibit in question.exhibits
                  if exhibit.reveal == "on_request" and exhibit.title not in state.revealed]
        wanted, asks_for_evidence = requested_exhibits(answer, hidden)
        if wanted:
            state.revealed.extend(exhibit.title for exhibit in wanted)
            names = " and ".join(exhibit.title for exhibit in wanted)
            return self._move("exhibit", question, f"{names[0].upper()}{names[1:]} - what do you make of it?",
                              exhibits=wanted)
        if asks_for_evidence and state.clarifications < MAX_CLARIFICATIONS and question.exhibits:
            state.clarifications += 1
            rest = [exhibit for exhibit in question.exhibits
                    if exhibit.reveal == "on_request" and exhibit.title not in state.revealed]
            offer = _available_line(rest) if rest else "You have seen everything I have."
            return self._move("clarify", question, "I don't have that. " + offer)
        return None

    def _star_nudge(self, state: _ItemState, text: str) -> tuple[str, str] | None:
        if len(state.nudges) >= MAX_NUDGES:
            return None
        present = star_parts_present(text)
        if not present["action"] and speaks_for_the_team(text) and "ownership" not in state.nudges:
            return "ownership", OWNERSHIP_PROMPT  # the team acted; ask what the candidate did
        for part in ("action", "result", "situation", "task"):
            if not present[part] and f"star:{part}" not in state.nudges:
                return f"star:{part}", STAR_PROMPTS[part]
        if speaks_for_the_team(text) and "ownership" not in state.nudges:
            return "ownership", OWNERSHIP_PROMPT
        if not has_quantities(text) and "numbers" not in state.nudges:
            return "numbers", NUMBERS_PROMPT_STAR
        return None

    def _drives_design_stages(self, question: Question, turns: list[Turn]) -> bool:
        """The interviewer stages a design question itself unless the session format already does (its phases)."""
        if question.category != Category.SYSTEM_DESIGN:
            return False
        return not any(turn.phase in _format_stage_phases() for turn in turns)

    def _design_stage_move(self, question: Question, state: _ItemState, coverage: dict[str, float],
                           text: str) -> InterviewerMove:
        """The next design stage; the question itself opens the requirements stage, which is asked for explicitly only
        when the first answer skipped it."""
        if state.stage == 0 and "requirements" not in state.stages_asked and not _REQUIREMENTS.search(text):
            return self._stage_prompt(question, state, 0)
        while state.stage < len(DESIGN_STAGES) - 1:
            if DESIGN_STAGES[state.stage][0] == "deep-dive":
                move = self._rubric_move(question, state, coverage)
                if move.kind != "move_on":
                    return move
            state.stage += 1
            if DESIGN_STAGES[state.stage][1]:
                return self._stage_prompt(question, state, state.stage)
        return self._move("move_on", question, "")

    def _stage_prompt(self, question: Question, state: _ItemState, stage: int) -> InterviewerMove:
        stage_id, prompt = DESIGN_STAGES[stage]
        state.stages_asked.append(stage_id)
        return self._move("follow_up", question, prompt)

    def _rubric_move(self, question: Question, state: _ItemState, coverage: dict[str, float]) -> InterviewerMove:
        """The scripted follow-up probing the most rubric weight not yet covered; move on when covered or out of them."""
        if _weighted(coverage, question) >= self.persona.coverage_threshold:
            return self._move("move_on", question, "")
        if len(state.asked_follow_ups) + state.generic_probes >= self.persona.max_follow_ups:
            return self._move("move_on", question, "")
        weights = {point.id: point.weight for point in question.rubric}
        best: tuple[float, int] | None = None
        for index, follow_up in enumerate(question.follow_ups):
            if index in state.asked_follow_ups:
                continue
            gain = sum(weights[p] * (1.0 - coverage.get(p, 0.0))
                       for p in follow_up.probes if coverage.get(p, 0.0) < POINT_COVERED)
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, index)
        if best is not None:
            follow_up = question.follow_ups[best[1]]
            state.asked_follow_ups.append(best[1])
            return self._move("follow_up", question, follow_up.prompt, probes=list(follow_up.probes))
        uncovered = [point.id for point in question.rubric if coverage.get(point.id, 0.0) < POINT_COVERED]
        if self.persona.behaviour == "code_review" and uncovered and state.generic_probes == 0:
            state.generic_probes += 1
            return self._move("follow_up", question, MORE_FLAWS_PROMPT, probes=uncovered)
        return self._move("move_on", question, "")

    def _follow_up(self, question: Question, state: _ItemState, nudge: str, prompt: str,
                   probes: list[str]) -> InterviewerMove:
        """A behaviour's own prompt (numbers, a STAR part, the bottleneck), recorded so it is asked once."""
        state.nudges.append(nudge)
        return self._move("follow_up", question, prompt, probes=probes)

    # --- state and coverage --------------------------------------------------------------------------------------

    def _state(self, question: Question, turns: list[Turn]) -> _ItemState:
        """This question's state; after a restart it is rebuilt from what the interviewer said in the transcript."""
        state = self._states.get(question.id)
        if state is not None:
            return state
        said = "\n".join(turn.text for turn in turns if turn.role == "interviewer")
        state = self._states[question.id] = _ItemState()
        state.asked_follow_ups = [i for i, f in enumerate(question.follow_ups) if f.prompt in said]
        state.revealed = [e.title for e in question.exhibits if e.reveal == "upfront" or e.content.strip() in said]
        state.nudges = [name for name, prompt in _NUDGE_PROMPTS.items() if prompt in said]
        state.stages_asked = [stage_id for stage_id, prompt in DESIGN_STAGES if prompt and prompt in said]
        state.stage = max((i for i, (stage_id, _) in enumerate(DESIGN_STAGES) if stage_id in state.stages_asked), default=0)
        # An LLM rewords its turns, so the texts above may not match; the number of turns still bounds the follow-ups.
        interviewer_turns = sum(1 for turn in turns if turn.role == "interviewer")
        state.generic_probes = max(0, interviewer_turns - 1 - len(state.asked_follow_ups) - len(state.nudges)
                                   - len(state.stages_asked) - len(state.revealed))
        return state

    def _coverage(self, question: Question, text: str) -> dict[str, float]:
        """Rubric point id -> 0..1 coverage by everything the candidate said on this question."""
        if not text.strip():
            return {}
        from gap_engine.embeddings import EmbeddingUnavailable, shared_embedder

        embedder = self.embedder or shared_embedder()
        try:
            return {item.point_id: item.score for item in point_coverage(question, text, embedder)}
        except EmbeddingUnavailable:
            return {}  # no model: every point counts as uncovered, so the scripted follow-ups are asked in turn

    # --- wording -------------------------------------------------------------------------------------------------

    def _move(self, kind: MoveKind, question: Question, intent: str, *, probes: list[str] | None = None,
              exhibits: Sequence[Exhibit] = ()) -> InterviewerMove:
        lead_ins = self.persona.lead_ins
        lead = self.rng.choice({
            "question": lead_ins.question, "follow_up": lead_ins.follow_up, "exhibit": lead_ins.exhibit,
            "clarify": lead_ins.clarify, "move_on": lead_ins.move_on, "greeting": [""], "close": [""],
        }[kind])
        if kind == "clarify":  # a clarification is either the persona's stock answer or a specific one, not both
            intent, lead = (intent or lead), ""
        text = " ".join(part for part in (lead, intent.strip()) if part)
        for exhibit in exhibits:
            text += "\n\n" + render_exhibit(exhibit)
        return InterviewerMove(kind=kind, text=text, item_id=question.id, probes=probes or [],
                               exhibit=exhibits[0] if exhibits else None, exhibits=list(exhibits),
                               intent=intent.strip() or text)

    def speak(self, move: InterviewerMove, exchange: list[Turn], cancel: CancelToken | None = None) -> Iterator[str]:
        """The move in the persona's voice: streamed from the LLM when there is one, else the move's own text.

        The decision was already made in code; the model only words it, grounded in the (confidential) bank item.
        Exhibits are always appended verbatim, never generated.
        """
        if self.llm is None or not self.llm.online:
            yield move.text
            return
        question = self.bank.questions.get(move.item_id) if move.item_id else None
        prompt = Prompt(
            system=system_prompt(self.persona),
            cached_context=item_context(question) if question is not None else "",
            messages=_chat_messages(exchange, move_instruction(move.kind, move.intent or move.text,
                                                               shows_exhibits=bool(move.exhibits))),
            max_tokens=400,
            temperature=0.7,
            purpose="interview",
        )
        spoken = False
        try:
            for chunk in self.llm.stream(prompt, cancel):
                spoken = spoken or bool(chunk.strip())
                yield chunk
        except LLMUnavailable:
            if spoken:
                yield "\n\n" + (move.intent or move.text)  # the model stopped mid-sentence: make sure the question itself is said
            else:
                yield move.text
                return
        if not spoken:
            yield move.text
            return
        for exhibit in move.exhibits:
            yield "\n\n" + render_exhibit(exhibit)


_NUDGE_PROMPTS = {
    "numbers": NUMBERS_PROMPT_DESIGN, "bottleneck": BOTTLENECK_PROMPT, "ownership": OWNERSHIP_PROMPT,
    "look-first": WHAT_TO_LOOK_AT, **{f"star:{part}": prompt for part, prompt in STAR_PROMPTS.items()},
}


def _asks_for_kernel(question: Question) -> bool:
    """A CUDA coding problem, or a question that asks the candidate to write or design a kernel."""
    if question.category == Category.CUDA_CODING:
        return True
    prompt = question.prompt.lower()
    return "kernel" in prompt and re.search(r"\b(write|implement|sketch|design|code)\b", prompt) is not None


def _points_matching(question: Question, words: tuple[str, ...]) -> list[str]:
    return [point.id for point in question.rubric
            if any(word in (point.text + " " + " ".join(point.key_concepts)).lower() for word in words)]


def _weighted(coverage: dict[str, float], question: Question) -> float:
    return sum(point.weight * coverage.get(point.id, 0.0) for point in question.rubric) / question.total_weight


def _candidate_text(turns: list[Turn], answer: str) -> str:
    said = [turn.text for turn in turns if turn.role == "candidate"]
    if answer.strip() and (not said or said[-1].strip() != answer.strip()):
        said.append(answer)
    return "\n".join(said)


def _available_line(exhibits: Sequence[Exhibit]) -> str:
    listing = "; ".join(f"{exhibit.title} ({exhibit.kind})" for exhibit in exhibits)
    return f"Available if you ask for it: {listing}."


def _format_stage_phases() -> set[str]:
    """Phase ids of session formats that stage one question over several phases (the format drives the stages)."""
    from interviewers.formats import load_formats

    staged: set[str] = set()
    for interview_format in load_formats().values():
        for before, phase in zip(interview_format.phases, interview_format.phases[1:], strict=False):
            if phase.continues:
                staged.update((before.id, phase.id))
    return staged


def _chat_messages(exchange: list[Turn], instruction: str) -> list[ChatMessage]:
    """The transcript as alternating chat turns (interviewer = assistant), ending with the engine's stage direction."""
    messages: list[ChatMessage] = []
    for turn in exchange:
        if turn.role == "system" or not turn.text.strip():
            continue
        role: Literal["user", "assistant"] = "assistant" if turn.role == "interviewer" else "user"
        if messages and messages[-1].role == role:
            messages[-1] = ChatMessage(role=role, content=messages[-1].content + "\n\n" + turn.text)
        else:
            messages.append(ChatMessage(role=role, content=turn.text))
    if not messages or messages[0].role != "user":
        messages.insert(0, ChatMessage(role="user", content="[The interview begins.]"))
    if messages[-1].role == "user":
        messages[-1] = ChatMessage(role="user", content=messages[-1].content + "\n\n" + instruction)
    else:
        messages.append(ChatMessage(role="user", content=instruction))
    return messages

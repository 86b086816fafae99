"""How long the offline interviewer takes to decide its next move (rubric coverage with the real embedding model).

For each persona: three of its questions, each answered four times with answers of growing length; the time of every
``next_move`` call after the model is warm. The interview screen waits on this between the candidate's answer and
the interviewer's reply, so it should stay well under a second.

Run: python benchmarks/interviewer_moves.py
"""

from __future__ import annotations

import random
import statistics
import time

from gap_engine.embeddings import shared_embedder
from interviewers.interviewer import Interviewer
from interviewers.personas import load_personas
from question_bank.loader import load_bank
from tutor.records import Turn

ANSWERS = (
    "I'm not completely sure, but I would start by measuring where the time goes.",
    "The main issue is memory: the data does not fit, so we spend our time moving it. I'd check the numbers with a "
    "profiler and compare against the peak bandwidth of the GPU.",
    "Can I see the logs? What does the profile show?",
    "We worked on this as a team; we changed the configuration and things improved by about 30% in throughput, "
    "measured over a week of production traffic at p99 latency under 200 ms.",
)


def main() -> int:
    bank = load_bank()
    embedder = shared_embedder()
    started = time.perf_counter()
    embedder.warm()
    print(f"embedding model warm-up: {time.perf_counter() - started:.1f} s\n")
    print(f"{'persona':<22}{'moves':>6}{'median ms':>11}{'p90 ms':>9}{'max ms':>9}")
    everything: list[float] = []
    for persona in load_personas().values():
        who = Interviewer(persona, bank, llm=None, embedder=embedder, rng=random.Random(0))
        timings: list[float] = []
        for question in who.pick_questions(None, 3, set()):
            turns = [Turn(session_id="bench", seq=1, role="interviewer", text=who.ask(question).text, item_id=question.id)]
            for answer in ANSWERS:
                turns.append(Turn(session_id="bench", seq=len(turns) + 1, role="candidate", text=answer,
                                  item_id=question.id))
                started = time.perf_counter()
                move = who.next_move(question, turns, answer, 600.0)
                timings.append((time.perf_counter() - started) * 1000)
                turns.append(Turn(session_id="bench", seq=len(turns) + 1, role="interviewer", text=move.text,
                                  item_id=question.id))
        everything += timings
        print(f"{persona.id.value:<22}{len(timings):>6}{statistics.median(timings):>11.1f}"
              f"{statistics.quantiles(timings, n=10)[-1]:>9.1f}{max(timings):>9.1f}")
    print(f"{'all':<22}{len(everything):>6}{statistics.median(everything):>11.1f}"
          f"{statistics.quantiles(everything, n=10)[-1]:>9.1f}{max(everything):>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

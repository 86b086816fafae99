"""Offline grading: the calibration table, its rank correlation, and grading speed.

Prints one row per calibration answer (question, label, offline /10, the band that label should land in), the
Spearman correlation of scores with the expected order (excellent 4 > partial 3 > poor 2 = injection > off-topic 1),
the mean per label, then timing: cold model load (a fresh Embedder) and warm per-answer grading (median and p90 over
every calibration answer, after one pass that fills the in-memory caches). Target: warm < 200 ms per answer.

Run: python benchmarks/grading.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from scipy.stats import spearmanr

from gap_engine.embeddings import Embedder
from question_bank.loader import load_bank
from rubrics.calibration import Quality, load_calibration
from rubrics.scoring import score_answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm passes over the set to time")
    args = parser.parse_args()
    bank = load_bank()
    answers = load_calibration()

    embedder = Embedder()
    started = time.perf_counter()
    embedder.warm()
    embedder.encode(["warm-up sentence"])
    cold_load = time.perf_counter() - started

    rows = []
    print(f"{'question':<38}{'label':<11}{'score':>7}  {'band':<11}{'in band':<8}flags")
    for answer in answers:
        card = score_answer(bank.get(answer.question_id), answer.text, embedder=embedder)
        low, high = answer.quality.band
        rows.append((answer, card.overall))
        inside = "yes" if low <= card.overall <= high else "NO"
        print(f"{answer.question_id:<38}{answer.quality.value:<11}{card.overall:>7.2f}  {f'{low:g}-{high:g}':<11}"
              f"{inside:<8}{','.join(card.flags)}")
    rho = spearmanr([score for _, score in rows], [answer.quality.rank for answer, _ in rows]).statistic
    print(f"\nSpearman over {len(rows)} answers ({len({a.question_id for a in answers})} questions): {rho:.3f}")
    for quality in Quality:
        values = [score for answer, score in rows if answer.quality == quality]
        print(f"  {quality.value:<10} mean {statistics.mean(values):5.2f}  min {min(values):5.2f}  max {max(values):5.2f}")

    timings: list[float] = []
    for _ in range(args.repeat):
        for answer in answers:
            question = bank.get(answer.question_id)
            started = time.perf_counter()
            score_answer(question, answer.text, embedder=embedder)
            timings.append(time.perf_counter() - started)
    timings.sort()
    p90 = timings[int(0.9 * (len(timings) - 1))]
    # Warm with cached vectors is what a re-grade costs. A new answer also encodes every sentence: the upper-cased
    # text hashes differently (so nothing is cached) but embeds the same (the model's tokenizer is uncased).
    fresh: list[float] = []
    for answer in answers:
        question = bank.get(answer.question_id)
        text = answer.text.upper()
        started = time.perf_counter()
        score_answer(question, text, embedder=embedder)
        fresh.append(time.perf_counter() - started)
    fresh.sort()
    print(f"\ncold model load: {cold_load * 1000:.0f} ms")
    print(f"warm, repeat answer (cached vectors): median {statistics.median(timings) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms")
    print(f"warm, new answer text (sentences encoded): median {statistics.median(fresh) * 1000:.1f} ms, "
          f"p90 {fresh[int(0.9 * (len(fresh) - 1))] * 1000:.1f} ms  (target < 200 ms)")


if __name__ == "__main__":
    main()

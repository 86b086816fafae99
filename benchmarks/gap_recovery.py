"""Synthetic-learner recovery table: how often the gap report's three weakest topics hold the true weak ones.

Each learner has three clearly weak topics (true mastery 0.1-0.3, the rest 0.65-0.95) among those their answered items
cover, answers random bank items with noisy per-point outcomes, and gets a full `build_report` over a real database
(generative model: tests/synthetic_learners.py). Two ways a rubric point can combine its topics are printed:
"weakest link" (placement-weighted power mean, exponent -2: the default and what tests/test_gap_recovery.py asserts)
and "plain average" (exponent 1), the pessimistic case where a point says almost nothing about which of its item's
~4 tagged topics is the weak one. Seeds 1000+ are the test's; 5000+ are held out (never used while tuning).

Run: python benchmarks/gap_recovery.py [--learners 50] [--answers 15 30 60] [--no-embeddings]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for tests.synthetic_learners

from question_bank.loader import load_bank
from tests.synthetic_learners import gap_embedder, run_recovery

MODELS = (("weakest link", -2.0), ("plain average", 1.0))
SEEDS = (("test", 1000), ("held-out", 5000))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--answers", type=int, nargs="+", default=[15, 30, 60])
    parser.add_argument("--no-embeddings", action="store_true", help="place rubric points on their tags only")
    args = parser.parse_args()
    bank = load_bank()
    embedder = None if args.no_embeddings else gap_embedder()
    started = time.perf_counter()
    if embedder is not None:
        from gap_engine.placement import place_bank

        place_bank(bank, embedder)
    print(f"placement ready in {time.perf_counter() - started:.1f} s "
          f"({'tags + embedding similarity' if embedder else 'tags only'})\n")
    header = (f"{'point model':<14} {'seeds':<9} {'learners':>8} {'answers each':>12} {'hit rate':>9} "
              f"{'mean overlap':>12} {'untested weak':>13} {'ms/report':>9}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for model, power in MODELS:
            for seeds, seed in SEEDS:
                for answers in args.answers:
                    where = Path(folder) / f"{power}-{seed}-{answers}"
                    result = run_recovery(bank, embedder, where, learners=args.learners, answers=answers, seed=seed,
                                          power=power)
                    print(f"{model:<14} {seeds:<9} {result.learners:>8} {answers:>12} {result.hit_rate:>9.0%} "
                          f"{result.mean_overlap:>12.2f} {result.untested_reported_weak:>13} "
                          f"{1000 * result.seconds_per_report:>9.0f}")
    print("\nhit rate: share of learners whose three weakest reported topics contain >= 2 of the true three "
          "(acceptance: >= 80% at >= 30 answers, weakest-link model); mean overlap: of 3; "
          "untested weak: topics with no evidence reported weak (must be 0).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

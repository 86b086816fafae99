"""Time to load and schema-check the whole question bank: cold (a new process) and warm (in-process, repeated).

Target: < 200 ms. Run: python benchmarks/bank_load.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from question_bank.loader import load_bank

COLD = "import time; t = time.perf_counter(); from question_bank.loader import load_bank; b = load_bank(); " \
       "print(time.perf_counter() - t, len(b))"


def main() -> None:
    cold = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True).stdout.split()
        cold.append(float(out[0]))
        items = int(out[1])
    warm = []
    for _ in range(20):
        start = time.perf_counter()
        load_bank()
        warm.append(time.perf_counter() - start)
    print(f"bank: {items} items\n")
    print(f"{'measure':<44}{'min ms':>10}{'median ms':>12}{'max ms':>10}")
    for name, values in (("cold: import + load in a new process (x5)", cold), ("warm: load again in-process (x20)", warm)):
        print(f"{name:<44}{min(values) * 1e3:>10.1f}{statistics.median(values) * 1e3:>12.1f}{max(values) * 1e3:>10.1f}")
    print("\ntarget: < 200 ms")


if __name__ == "__main__":
    main()

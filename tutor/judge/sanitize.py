"""compute-sanitizer on one awkward test case: memcheck always, racecheck when the answer uses shared memory.

The case runs in its own process under the sanitizer (pycuda only; torch stays on the CPU there so the sanitizer sees
nothing but the answer's kernels), and findings are mapped to lines of the candidate's file.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tutor.judge.compile import SOURCE_NAME
from tutor.judge.models import JudgeReport, SanitizerFinding

SANITIZER_TIMEOUT_S = 240
_LOCATION = re.compile(re.escape(SOURCE_NAME) + r":(\d+)")
_KERNEL = re.compile(r"at (?:0x[0-9a-f]+ in )?([A-Za-z_][\w:<>]*)\(")


def sanitizer_path() -> str | None:
    return shutil.which("compute-sanitizer") or next(
        (str(p) for p in Path("/usr/local/cuda/bin").glob("compute-sanitizer") if p.is_file()), None)


def run_sanitizer(report: JudgeReport, library: Path, problem_dir: Path) -> list[SanitizerFinding]:
    from question_bank.loader import load_bank  # the bank is not needed unless the sanitizer runs

    tool = sanitizer_path()
    if tool is None:
        return [SanitizerFinding(tool="memcheck", kind="unavailable", message="compute-sanitizer was not found")]
    question = load_bank().get(report.problem_id)
    assert question.cuda is not None
    sizes = sanitizer_case(question.cuda.test_sizes, question.cuda)
    uses_shared = any(k.shared_memory_bytes for k in report.compile.kernels) or \
        "__shared__" in (library.parent / SOURCE_NAME).read_text()
    tools = ["memcheck", "racecheck"] if uses_shared else ["memcheck"]
    findings: list[SanitizerFinding] = []
    for name in tools:
        job = json.dumps({"problem_dir": str(problem_dir), "library": str(library), "sizes": sizes,
                          "spec": question.cuda.model_dump(mode="json")})
        command = [tool, "--tool", name, "--print-limit", "20", sys.executable, "-m", "tutor.judge.sanitize_case", job]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=SANITIZER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            findings.append(SanitizerFinding(tool=name, kind="timeout",  # type: ignore[arg-type]
                                             message=f"{name} did not finish in {SANITIZER_TIMEOUT_S} s"))
            continue
        findings += parse_findings(name, result.stdout + result.stderr)
    return findings


def sanitizer_case(test_sizes: list[dict[str, int]], spec: object) -> dict[str, int]:
    """The smallest test size that is not a multiple of 32 in some dimension and is bigger than a handful."""
    awkward = [s for s in test_sizes if any(v % 32 for v in s.values()) and math.prod(s.values()) > 8]
    return min(awkward or test_sizes, key=lambda s: math.prod(s.values()))


def parse_findings(tool: str, output: str) -> list[SanitizerFinding]:
    findings: list[SanitizerFinding] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        text = "\n".join(block)
        head = block[0]
        line = _LOCATION.search(text)
        kernel = _KERNEL.search(text)
        kind = "race" if "Race reported" in head else re.sub(r"\s+of size.*|\s*\(.*", "", head).strip()
        findings.append(SanitizerFinding(tool=tool, kind=kind[:80], message=text[:600],  # type: ignore[arg-type]
                                         kernel=kernel.group(1) if kernel else None,
                                         line=int(line.group(1)) if line else None))
        block.clear()

    for raw in output.splitlines():
        if not raw.startswith("========="):
            continue
        body = raw.removeprefix("=========")
        if not body.strip():
            flush()
            continue
        if body.startswith("     ") or body.startswith("\t"):
            if block:
                block.append(body.strip())
            continue
        flush()
        stripped = body.strip()
        if re.search(r"Invalid|Race reported|Error:|error|Uninitialized|Barrier|Leaked|Misaligned", stripped) and \
                "SUMMARY" not in stripped and not stripped.startswith("COMPUTE-SANITIZER") and \
                not stripped.startswith("Program hit") and "Target application returned" not in stripped:
            block.append(stripped)
    flush()
    return findings

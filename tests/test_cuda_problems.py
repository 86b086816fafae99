"""Every CUDA problem is complete: its sources compile for sm_90 and its reference agrees with problem.yaml."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from question_bank.loader import SOLVE_SOURCES, load_bank
from question_bank.problem_io import expected_outputs, load_reference_module, make_inputs, shape_of

BANK = load_bank()
PROBLEMS = sorted(q.id for q in BANK if q.cuda is not None)
NVCC = shutil.which("nvcc")
# Reference runs on the CPU here; sizes above this many input elements are left to the GPU tests.
CPU_ELEMENT_LIMIT = 4_000_000


@pytest.mark.skipif(NVCC is None, reason="nvcc (CUDA toolkit) is not installed")
@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_sources_compile_for_sm90(problem_id: str, tmp_path: Path) -> None:
    folder = BANK.problem_dir(problem_id)
    assert NVCC is not None
    processes = {
        name: subprocess.Popen([NVCC, "-arch=sm_90", "-c", str(folder / name), "-o", str(tmp_path / f"{name}.o")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name in SOLVE_SOURCES
    }
    failures = {name: process.communicate()[0] for name, process in processes.items() if process.wait() != 0}
    assert not failures, "\n".join(f"{folder / name}:\n{log}" for name, log in failures.items())


@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_reference_matches_declared_outputs(problem_id: str) -> None:
    question = BANK.get(problem_id)
    assert question.cuda is not None
    folder = BANK.problem_dir(problem_id)
    module = load_reference_module(folder)
    checked = 0
    for number, sizes in enumerate(question.cuda.test_sizes):
        elements = sum(math.prod(shape_of(g.shape, sizes)) for g in question.cuda.inputs.values())
        if elements > CPU_ELEMENT_LIMIT:
            continue
        first = make_inputs(question.cuda, folder, sizes, seed=number, module=module)
        again = make_inputs(question.cuda, folder, sizes, seed=number, module=module)
        other = make_inputs(question.cuda, folder, sizes, seed=number + 1000, module=module)
        for name in first:
            assert first[name].equal(again[name]), f"input '{name}' is not reproducible from its seed"
        inputs_before = {name: tensor.clone() for name, tensor in first.items()}
        outputs = expected_outputs(question.cuda, folder, first, sizes, module=module)
        for name, tensor in outputs.items():
            if tensor.is_floating_point():
                assert not tensor.float().isnan().any(), f"reference output '{name}' has NaN for {sizes}"
        for name, tensor in first.items():
            assert tensor.equal(inputs_before[name]), f"reference() modified its input '{name}'"
        if any(first[name].numel() > 8 for name in first):
            assert any(not first[name].equal(other[name]) for name in first), "different seeds give the same inputs"
        checked += 1
    assert checked >= 3, "at least three test sizes must be small enough to check on the CPU"

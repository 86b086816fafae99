"""On a GPU: every problem's naive and optimized solutions match the reference on every test size and the benchmark
size, with outputs poisoned first and inputs checked unchanged. Each solution runs in its own process so that one
faulting kernel cannot poison the CUDA context of the others.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from question_bank.loader import load_bank  # noqa: E402

BANK = load_bank()
PROBLEMS = sorted(q.id for q in BANK if q.cuda is not None)


@pytest.mark.gpu
@pytest.mark.parametrize("variant", ["naive", "optimized"])
@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_solution_matches_the_reference(problem_id: str, variant: str) -> None:
    result = subprocess.run([sys.executable, __file__, problem_id, variant], capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0 and lines, f"{problem_id} {variant} crashed:\n{result.stdout}\n{result.stderr}"
    report = json.loads(lines[-1])
    assert report["failures"] == [], json.dumps(report, indent=1)


def _check(problem_id: str, variant: str) -> dict[str, Any]:
    import torch

    from question_bank.problem_io import expected_outputs, load_reference_module, make_inputs, torch_dtype

    question = BANK.get(problem_id)
    spec = question.cuda
    assert spec is not None
    folder = BANK.problem_dir(problem_id)
    major, minor = torch.cuda.get_device_capability()
    library = Path(tempfile.mkdtemp()) / f"{variant}.so"
    subprocess.run(["nvcc", f"-arch=sm_{major}{minor}", "-O3", "-shared", "-Xcompiler", "-fPIC",
                    str(folder / f"{variant}.cu"), "-o", str(library)], check=True)
    solve = ctypes.CDLL(str(library)).solve
    solve.restype = None
    module = load_reference_module(folder)
    failures: list[str] = []
    for number, sizes in enumerate([*spec.test_sizes, spec.benchmark_size]):
        cpu_inputs = make_inputs(spec, folder, sizes, seed=1234 + number, module=module)
        inputs = {name: tensor.cuda() for name, tensor in cpu_inputs.items()}
        expected = expected_outputs(spec, folder, {n: t.clone() for n, t in inputs.items()}, sizes, module=module)
        buffers: dict[str, torch.Tensor] = {}
        arguments: list[Any] = []
        for param in spec.signature:
            if param.role in ("input", "inout"):
                buffers[param.name] = inputs[param.name].clone()
                arguments.append(ctypes.c_void_p(buffers[param.name].data_ptr()))
            elif param.role == "output":
                dtype = torch_dtype(param.pointee_dtype)
                shape = tuple(expected[param.name].shape)
                poison = float("nan") if dtype.is_floating_point else -77
                buffers[param.name] = torch.full(shape, poison, dtype=dtype, device="cuda")
                arguments.append(ctypes.c_void_p(buffers[param.name].data_ptr()))
            elif param.role == "size":
                arguments.append(ctypes.c_int(sizes[param.name]))
            else:
                value = param.value
                arguments.append(ctypes.c_float(float(value)) if param.ctype == "float" else ctypes.c_int(int(value)))
        torch.cuda.synchronize()
        solve(*arguments)
        torch.cuda.synchronize()
        for param in spec.signature:
            if param.role == "input" and not torch.equal(buffers[param.name], inputs[param.name]):
                failures.append(f"{sizes}: input '{param.name}' was modified")
        for name, want in expected.items():
            got = buffers[name]
            tolerance = spec.tolerance[param_dtype(spec, name)]
            try:
                torch.testing.assert_close(got.float(), want.float(), atol=tolerance.atol, rtol=tolerance.rtol,
                                           equal_nan=False)
            except AssertionError as error:
                failures.append(f"{sizes}: output '{name}': {str(error)[:600]}")
    return {"problem": problem_id, "variant": variant, "device": torch.cuda.get_device_name(), "failures": failures}


def param_dtype(spec: Any, name: str) -> str:
    return next(p.pointee_dtype for p in spec.signature if p.name == name)  # type: ignore[no-any-return]


if __name__ == "__main__":
    print(json.dumps(_check(sys.argv[1], sys.argv[2])))

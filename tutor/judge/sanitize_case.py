"""Runs one test case of an answer with pycuda alone: the process compute-sanitizer watches."""

from __future__ import annotations

import ctypes
import json
import math
import sys
from pathlib import Path
from typing import Any

from question_bank.models import CudaSpec
from question_bank.problem_io import make_inputs, shape_of, torch_dtype
from tutor.judge.runner import solve_arguments


def main(job_text: str) -> None:
    import pycuda.autoinit  # noqa: F401  (creates the context)
    import pycuda.driver as cuda
    import torch

    job = json.loads(job_text)
    spec = CudaSpec.model_validate(job["spec"])
    sizes: dict[str, int] = job["sizes"]
    inputs = make_inputs(spec, Path(job["problem_dir"]), sizes, seed=7)
    keep: list[Any] = []
    pointers: dict[str, int] = {}
    for param in spec.signature:
        if not param.is_pointer:
            continue
        if param.name in inputs:
            data = inputs[param.name].contiguous().view(torch.uint8).numpy()
        else:
            count = math.prod(shape_of(spec.outputs[param.name].shape, sizes))
            data = torch.zeros(count * torch_dtype(param.pointee_dtype).itemsize, dtype=torch.uint8).numpy()
        allocation = cuda.mem_alloc(max(data.nbytes, 1))
        cuda.memcpy_htod(allocation, data)
        keep.append(allocation)
        pointers[param.name] = int(allocation)
    library = ctypes.CDLL(job["library"])
    library.solve.restype = None
    library.solve(*solve_arguments(spec, pointers, sizes))
    cuda.Context.synchronize()


if __name__ == "__main__":
    main(sys.argv[1])

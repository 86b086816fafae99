"""Runs one test case of an answer with pycuda alone: the process compute-sanitizer watches."""

from __future__ import annotations

import ctypes
import json
import sys
from pathlib import Path
from typing import Any

from question_bank.models import CudaSpec
from question_bank.problem_io import make_inputs, shape_of, torch_dtype


def main(job_text: str) -> None:
    import pycuda.autoinit  # noqa: F401  (creates the context)
    import pycuda.driver as cuda
    import torch

    job = json.loads(job_text)
    spec = CudaSpec.model_validate(job["spec"])
    sizes: dict[str, int] = job["sizes"]
    inputs = make_inputs(spec, Path(job["problem_dir"]), sizes, seed=7)
    keep: list[Any] = []
    arguments: list[Any] = []
    for param in spec.signature:
        if param.is_pointer:
            if param.name in inputs:
                data = inputs[param.name].contiguous().view(torch.uint8).numpy()
            else:
                count = 1
                for extent in shape_of(spec.outputs[param.name].shape, sizes):
                    count *= extent
                data = torch.zeros(count * torch_dtype(param.pointee_dtype).itemsize, dtype=torch.uint8).numpy()
            allocation = cuda.mem_alloc(max(data.nbytes, 1))
            cuda.memcpy_htod(allocation, data)
            keep.append(allocation)
            arguments.append(ctypes.c_void_p(int(allocation)))
        elif param.role == "size":
            arguments.append(ctypes.c_int(sizes[param.name]))
        elif param.ctype == "float":
            arguments.append(ctypes.c_float(float(param.value or 0)))
        else:
            arguments.append(ctypes.c_int(int(param.value or 0)))
    library = ctypes.CDLL(job["library"])
    library.solve.restype = None
    library.solve(*arguments)
    cuda.Context.synchronize()


if __name__ == "__main__":
    main(sys.argv[1])

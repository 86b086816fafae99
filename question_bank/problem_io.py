"""Inputs and expected outputs of a CUDA problem, built with torch from its ``problem.yaml`` and ``reference.py``.

torch is imported inside the functions: the bank loads in milliseconds and only the judge and tests pay for torch.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from question_bank.expressions import evaluate, evaluate_int
from question_bank.models import CudaSpec, Param

if TYPE_CHECKING:
    import torch


class ReferenceError(RuntimeError):
    """reference.py or make_inputs() failed or returned something that does not match problem.yaml."""


def torch_dtype(name: str) -> torch.dtype:
    import torch

    dtype: torch.dtype = getattr(torch, name)
    return dtype


def shape_of(expressions: list[str], sizes: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(evaluate_int(expression, sizes) for expression in expressions)


def scalar_values(spec: CudaSpec) -> dict[str, int | float]:
    return {p.name: p.value for p in spec.signature if p.role == "scalar" and p.value is not None}


def work(spec: CudaSpec, sizes: Mapping[str, int]) -> tuple[float, float]:
    """(bytes, flops) the problem's work formula gives for these sizes."""
    return evaluate(spec.work.bytes, sizes), evaluate(spec.work.flops, sizes)


def load_reference_module(problem_dir: Path) -> ModuleType:
    path = problem_dir / "reference.py"
    module_spec = importlib.util.spec_from_file_location(f"reference_{problem_dir.name.replace('-', '_')}", path)
    if module_spec is None or module_spec.loader is None:
        raise ReferenceError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:
        raise ReferenceError(f"{path}: importing it failed: {error!r}") from error
    return module


def make_inputs(spec: CudaSpec, problem_dir: Path, sizes: Mapping[str, int], seed: int,
                module: ModuleType | None = None) -> dict[str, torch.Tensor]:
    """Fresh CPU tensors for every input and inout parameter, reproducible from ``seed``."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    params = {p.name: p for p in spec.signature}
    tensors: dict[str, torch.Tensor] = {}
    for name, generator_spec in spec.inputs.items():
        if generator_spec.distribution == "custom":
            continue
        shape = shape_of(generator_spec.shape, sizes)
        dtype = torch_dtype(params[name].pointee_dtype)
        match generator_spec.distribution:
            case "normal":
                values = torch.randn(shape, generator=generator) * generator_spec.std + generator_spec.mean
            case "uniform":
                values = torch.rand(shape, generator=generator) * (generator_spec.high - generator_spec.low) \
                    + generator_spec.low
            case "randint":
                values = torch.randint(int(generator_spec.low), int(generator_spec.high), shape, generator=generator)
        tensors[name] = values.to(dtype)
    custom = [name for name, g in spec.inputs.items() if g.distribution == "custom"]
    if custom:
        module = module or load_reference_module(problem_dir)
        made = _call(module, "make_inputs", problem_dir, dict(sizes), generator)
        if not isinstance(made, dict) or any(name not in made for name in custom):
            raise ReferenceError(f"{problem_dir / 'reference.py'}: make_inputs must return a dict with {custom}")
        tensors.update(made)
    for name, tensor in tensors.items():
        _check_tensor(problem_dir, f"input '{name}'", tensor, params[name],
                      shape_of(spec.inputs[name].shape, sizes))
    return tensors


def expected_outputs(spec: CudaSpec, problem_dir: Path, inputs: Mapping[str, torch.Tensor],
                     sizes: Mapping[str, int], module: ModuleType | None = None) -> dict[str, torch.Tensor]:
    """What reference.py says every output should hold, checked against the declared shapes and dtypes."""
    module = module or load_reference_module(problem_dir)
    result = _call(module, "reference", problem_dir, **inputs, **sizes, **scalar_values(spec))
    output_names = list(spec.outputs)
    outputs = result if isinstance(result, dict) else ({output_names[0]: result} if len(output_names) == 1 else None)
    if outputs is None or set(outputs) != set(output_names):
        raise ReferenceError(f"{problem_dir / 'reference.py'}: reference() must return "
                             f"{'a tensor' if len(output_names) == 1 else 'a dict'} for outputs {output_names}")
    params = {p.name: p for p in spec.signature}
    for name, tensor in outputs.items():
        _check_tensor(problem_dir, f"output '{name}'", tensor, params[name], shape_of(spec.outputs[name].shape, sizes))
    return dict(outputs)


def _call(module: ModuleType, name: str, problem_dir: Path, *args: Any, **kwargs: Any) -> Any:
    function: Callable[..., Any] | None = getattr(module, name, None)
    if function is None:
        raise ReferenceError(f"{problem_dir / 'reference.py'}: defines no {name}()")
    try:
        return function(*args, **kwargs)
    except Exception as error:
        raise ReferenceError(f"{problem_dir / 'reference.py'}: {name}() raised {error!r}") from error


def _check_tensor(problem_dir: Path, what: str, tensor: Any, param: Param, shape: tuple[int, ...]) -> None:
    import torch

    if not isinstance(tensor, torch.Tensor):
        raise ReferenceError(f"{problem_dir}: {what} is a {type(tensor).__name__}, not a tensor")
    if tensor.dtype != torch_dtype(param.pointee_dtype):
        raise ReferenceError(f"{problem_dir}: {what} is {tensor.dtype}, the signature says {param.ctype}")
    if tuple(tensor.shape) != shape:
        raise ReferenceError(f"{problem_dir}: {what} has shape {tuple(tensor.shape)}, problem.yaml says {shape}")

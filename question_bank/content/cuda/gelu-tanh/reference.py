import torch


def reference(x: torch.Tensor, n: int) -> torch.Tensor:
    return torch.nn.functional.gelu(x.float(), approximate="tanh").to(torch.bfloat16)

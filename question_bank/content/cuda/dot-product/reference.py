import torch


def reference(a: torch.Tensor, b: torch.Tensor, n: int) -> torch.Tensor:
    # Accumulate in float64 so that the reference is exact to float32 precision whatever a kernel's order.
    return (a.double() * b.double()).sum().reshape(1).to(torch.float32)

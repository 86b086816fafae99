import torch


def reference(input: torch.Tensor, n: int) -> torch.Tensor:
    # Inclusive prefix sum. Summed in int64, then narrowed: the inputs (0..9) keep every partial sum below
    # 9 * n, which fits in int32 for every size of this problem.
    return torch.cumsum(input.to(torch.int64), dim=0).to(torch.int32)

import torch


def reference(w: torch.Tensor, scales: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    return (w.float() * scales.float().unsqueeze(1)).to(torch.float16)

import torch


def reference(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, rows: int, cols: int,
              eps: float) -> torch.Tensor:
    # torch.nn.functional.layer_norm semantics (biased variance), computed in float64, rounded once to float32.
    xd = x.to(torch.float64)
    mean = xd.mean(dim=-1, keepdim=True)
    var = (xd - mean).pow(2).mean(dim=-1, keepdim=True)
    y = (xd - mean) * torch.rsqrt(var + eps) * gamma.to(torch.float64) + beta.to(torch.float64)
    return y.to(torch.float32)

import torch


def reference(x: torch.Tensor, weight: torch.Tensor, tokens: int, hidden: int, eps: float) -> torch.Tensor:
    # vLLM RMSNorm (csrc/layernorm_kernels.cu, rms_norm): statistics in float32, one rounding to fp16 at the end.
    xf = x.to(torch.float32)
    inv_rms = torch.rsqrt(xf.pow(2).mean(dim=-1, keepdim=True) + eps)
    return (xf * inv_rms * weight.to(torch.float32)).to(torch.float16)

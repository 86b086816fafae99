import torch


def reference(x: torch.Tensor, residual: torch.Tensor, weight: torch.Tensor, tokens: int, hidden: int,
              eps: float) -> dict[str, torch.Tensor]:
    # vLLM fused_add_rms_norm (csrc/layernorm_kernels.cu): the sum is formed in float32 and stored as bf16; the
    # statistics are taken from the stored bf16 values, in float32.
    new_residual = (x.to(torch.float32) + residual.to(torch.float32)).to(torch.bfloat16)
    r = new_residual.to(torch.float32)
    inv_rms = torch.rsqrt(r.pow(2).mean(dim=-1, keepdim=True) + eps)
    out = (r * inv_rms * weight.to(torch.float32)).to(torch.bfloat16)
    return {"residual": new_residual, "out": out}

import torch


def make_inputs(sizes: dict, generator: torch.Generator) -> dict:
    tokens, hidden = sizes["tokens"], sizes["hidden"]
    x = torch.randn(tokens, hidden, generator=generator)
    # LLM activations have a few outlier channels and rows of very different magnitude: per-token scales matter.
    outlier_channels = torch.rand(hidden, generator=generator) < 0.01
    x[:, outlier_channels] *= 20.0
    x *= torch.exp(torch.randn(tokens, 1, generator=generator))
    if tokens >= 3:
        x[tokens // 2] = 0.0  # an all-zero row (a padding token): scale 0, every q 0
    return {"x": x.to(torch.float16)}


def reference(x: torch.Tensor, tokens: int, hidden: int) -> dict:
    xf = x.float()
    amax = xf.abs().amax(dim=-1, keepdim=True)                      # exact: a max of fp16 values
    # Tensor / tensor keeps IEEE division (a Python-scalar operand may become a multiply by a reciprocal).
    scale = amax / torch.full_like(amax, 127.0)
    inv = torch.where(amax > 0, torch.full_like(amax, 127.0) / amax, torch.zeros_like(amax))
    q = torch.round(xf * inv).clamp(-128, 127).to(torch.int8)        # torch.round: half to even
    return {"q": q, "scales": scale.squeeze(-1)}

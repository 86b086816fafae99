import torch


def make_inputs(sizes: dict, generator: torch.Generator) -> dict:
    """qweight: 32 uniformly random bits per int32 word, i.e. eight independent uniform 4-bit values."""
    n, k = sizes["n"], sizes["k"]
    qweight = torch.randint(-2**31, 2**31, (n, k // 8), generator=generator, dtype=torch.int32)
    return {"qweight": qweight}


def reference(x: torch.Tensor, qweight: torch.Tensor, scales: torch.Tensor, n: int, k: int) -> torch.Tensor:
    shifts = torch.arange(0, 32, 4, dtype=torch.int32, device=qweight.device)
    # arithmetic shift of the int32 word, then the low 4 bits: nibble j of word w is q[:, 8w + j]
    q = ((qweight.unsqueeze(-1) >> shifts) & 0xF).reshape(n, k)
    w = (q - 8).double() * scales.double().repeat_interleave(128, dim=1)
    return (w @ x.double()).to(torch.float16)

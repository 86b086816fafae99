import math

import torch

# Every decision the kernel makes (where the nucleus ends, which token the random number lands on) is kept at
# least MARGIN away from a boundary in the inputs below, so any fp32 summation order gives the same token.
MARGIN = 1e-4
P = 0.9  # the value of the scalar p in problem.yaml


def _nucleus(pf: torch.Tensor, p: float) -> torch.Tensor:
    """Mask of the kept tokens of each row of pf (float64): the smallest top prefix with mass >= p."""
    rows, vocab = pf.shape
    sorted_p, order = torch.sort(pf, dim=-1, descending=True, stable=True)  # ties: lower index first
    cumulative = torch.cumsum(sorted_p, dim=-1)
    m = ((cumulative < p).sum(dim=-1) + 1).clamp(max=vocab)  # first position with cumulative >= p
    ranks = torch.arange(vocab, device=pf.device).expand(rows, vocab)
    return torch.zeros_like(ranks, dtype=torch.bool).scatter(1, order, ranks < m[:, None])


def _row(vocab: int, generator: torch.Generator) -> tuple[torch.Tensor, int]:
    """A peaked next-token distribution: a head of 1..512 tokens with most of the mass, softmax noise below."""
    head = min(vocab, int(round(math.exp(torch.rand(1, generator=generator).item() * math.log(min(512, vocab))))))
    head = max(1, head)
    tail_mass = 0.0 if head == vocab else 0.05 * torch.rand(1, generator=generator).item()
    row = torch.softmax(torch.randn(vocab, generator=generator, dtype=torch.float64), dim=0) * tail_mass
    positions = torch.randperm(vocab, generator=generator)[:head]
    weights = 0.2 + 0.8 * torch.rand(head, generator=generator, dtype=torch.float64)
    row[positions] = weights / weights.sum() * (1.0 - tail_mass)
    return (row / row.sum()).float(), head


def _nucleus_margin_ok(row: torch.Tensor, head: int, p: float) -> bool:
    pf = row.double()
    # The nucleus nearly always lies in the head; look at the top head + 64 values first, sort all if not.
    sorted_p = torch.topk(pf, min(pf.numel(), head + 64)).values
    cumulative = torch.cumsum(sorted_p, dim=0)
    if cumulative[-1].item() < p + MARGIN and sorted_p.numel() < pf.numel():
        sorted_p = torch.sort(pf, descending=True).values
        cumulative = torch.cumsum(sorted_p, dim=0)
    m = min(int((cumulative < p).sum()) + 1, pf.numel())
    before = cumulative[m - 2].item() if m >= 2 else 0.0
    return p - before >= MARGIN and cumulative[m - 1].item() - p >= MARGIN


def make_inputs(sizes: dict, generator: torch.Generator) -> dict:
    rows, vocab = sizes["rows"], sizes["vocab"]
    p = float(torch.tensor(P, dtype=torch.float32))
    probs = torch.empty(rows, vocab, dtype=torch.float32)
    for r in range(rows):
        for _ in range(100):
            row, head = _row(vocab, generator)
            if _nucleus_margin_ok(row, head, p):
                break
        probs[r] = row
    # u: draw a token by inverse CDF, then move u to the middle of that token's interval so that summation
    # order cannot move it across a boundary. Tiny tokens (interval < 2 * MARGIN) are redrawn.
    pf = probs.double()
    kept = _nucleus(pf, p)
    masked = torch.where(kept, pf, torch.zeros_like(pf))
    cumulative = torch.cumsum(masked, dim=-1)
    u = torch.empty(rows, dtype=torch.float32)
    for r in range(rows):
        total = cumulative[r, -1].item()
        chosen = None
        for _ in range(20):
            j = int(torch.searchsorted(cumulative[r], torch.rand(1, generator=generator, dtype=torch.float64) * total,
                                       right=True).clamp(max=vocab - 1))
            low = cumulative[r, j - 1].item() if j > 0 else 0.0
            if cumulative[r, j].item() - low >= 4 * MARGIN:
                chosen = j
                break
        if chosen is None:  # fall back to the most probable kept token
            chosen = int(torch.argmax(masked[r]))
        low = cumulative[r, chosen - 1].item() if chosen > 0 else 0.0
        u[r] = (low + cumulative[r, chosen].item()) / 2.0 / total
    return {"probs": probs, "u": u}


def reference(probs: torch.Tensor, u: torch.Tensor, rows: int, vocab: int, p: float) -> torch.Tensor:
    p32 = float(torch.tensor(p, dtype=torch.float32))  # the kernel receives p as a C float
    pf = probs.double()
    kept = _nucleus(pf, p32)
    masked = torch.where(kept, pf, torch.zeros_like(pf))
    cumulative = torch.cumsum(masked, dim=-1)               # walk the kept tokens in index order
    threshold = u.double()[:, None] * cumulative[:, -1:]    # u * (mass of the kept tokens)
    crossed = (cumulative > threshold) & kept
    first = torch.argmax(crossed.to(torch.int32), dim=-1)   # first kept token whose cumulative mass exceeds it
    last_kept = (vocab - 1) - torch.argmax(kept.flip(-1).to(torch.int32), dim=-1)
    return torch.where(crossed.any(dim=-1), first, last_kept).to(torch.int32)

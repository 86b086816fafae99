import torch


def make_inputs(sizes: dict[str, int], generator: torch.Generator) -> dict[str, torch.Tensor]:
    rows, vocab = sizes["rows"], sizes["vocab"]
    logits = torch.randn(rows, vocab, generator=generator)
    if vocab > 1:
        # Every third row: the row maximum (plus 1) is written to up to 3 random columns, so the answer is the
        # lowest of those columns.
        tie_rows = torch.arange(0, rows, 3)
        k = min(3, vocab)
        columns = torch.randint(0, vocab, (tie_rows.numel(), k), generator=generator)
        peak = logits[tie_rows].amax(dim=1, keepdim=True) + 1.0
        logits[tie_rows.unsqueeze(1), columns] = peak.expand(-1, k)
        # Every seventh row (from row 5): all values equal, so the answer is 0.
        logits[5::7] = 0.25
    return {"logits": logits}


def reference(logits: torch.Tensor, rows: int, vocab: int) -> torch.Tensor:
    # torch.argmax returns the index of the first maximal value, i.e. the lowest index on ties.
    return torch.argmax(logits, dim=1).to(torch.int32)

import torch


def make_inputs(sizes: dict[str, int], generator: torch.Generator) -> dict[str, torch.Tensor]:
    # Valid ids depend on vocab, so they are drawn here (the table comes from the normal generator).
    ids = torch.randint(0, sizes["vocab"], (sizes["tokens"],), generator=generator, dtype=torch.int64)
    return {"ids": ids.to(torch.int32)}


def reference(ids: torch.Tensor, table: torch.Tensor, tokens: int, vocab: int, hidden: int) -> torch.Tensor:
    return table[ids.long()]

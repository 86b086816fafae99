import torch


def make_inputs(sizes: dict, generator: torch.Generator) -> dict:
    targets = torch.randint(0, sizes["vocab"], (sizes["rows"],), generator=generator)
    return {"targets": targets.to(torch.int32)}


def reference(logits: torch.Tensor, targets: torch.Tensor, rows: int, vocab: int) -> torch.Tensor:
    x = logits.double()
    target_logit = x.gather(1, targets.long()[:, None]).squeeze(1)
    return (torch.logsumexp(x, dim=-1) - target_logit).float()

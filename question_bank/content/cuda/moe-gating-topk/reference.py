import torch


def reference(gating: torch.Tensor, tokens: int, num_experts: int, k: int) -> dict:
    # Experts are ranked by gating logit (softmax is monotone), ties by lower expert index: a stable sort.
    ids = torch.sort(gating, dim=-1, descending=True, stable=True).indices[:, :k]
    probs = torch.softmax(gating.double(), dim=-1)           # softmax over all experts
    weights = probs.gather(1, ids)
    weights = weights / weights.sum(dim=-1, keepdim=True)    # renormalize the k chosen weights to sum to 1
    return {"topk_weights": weights.float(), "topk_ids": ids.to(torch.int32)}

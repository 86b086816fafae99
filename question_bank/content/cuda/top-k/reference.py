import torch


def reference(logits: torch.Tensor, rows: int, vocab: int, k: int) -> dict:
    # A stable descending sort keeps equal values in index order: ties go to the lower index.
    values, indices = torch.sort(logits, dim=-1, descending=True, stable=True)
    return {"values": values[:, :k].contiguous(), "indices": indices[:, :k].to(torch.int32).contiguous()}

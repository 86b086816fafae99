import torch


def make_inputs(sizes: dict, generator: torch.Generator) -> dict:
    tokens, slots = sizes["tokens"], sizes["num_blocks"] * sizes["block_size"]
    slot_mapping = torch.randperm(slots, generator=generator)[:tokens]      # distinct cache slots
    padding = torch.rand(tokens, generator=generator) < 0.02                # a few padding tokens anywhere
    if tokens >= 4:
        padding[tokens - max(1, tokens // 32):] = True                      # and a padded tail (CUDA-graph batch)
    slot_mapping[padding] = -1
    return {"slot_mapping": slot_mapping.to(torch.int32)}


def reference(key: torch.Tensor, value: torch.Tensor, key_cache: torch.Tensor, value_cache: torch.Tensor,
              slot_mapping: torch.Tensor, tokens: int, num_kv_heads: int, head_size: int, num_blocks: int,
              block_size: int) -> dict:
    key_out, value_out = key_cache.clone(), value_cache.clone()
    valid = slot_mapping >= 0
    slots = slot_mapping[valid].long()
    # NHD layout: cache[block, offset] is one contiguous [num_kv_heads, head_size] row, row index = slot.
    key_out.view(-1, num_kv_heads, head_size)[slots] = key[valid]
    value_out.view(-1, num_kv_heads, head_size)[slots] = value[valid]
    return {"key_cache": key_out, "value_cache": value_out}

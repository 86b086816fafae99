import torch


def make_inputs(sizes: dict, generator: torch.Generator) -> dict:
    """seq_lens and block_tables. Sequence 0 always has the full max_blocks_per_seq * block_size tokens and,
    when there are at least two sequences, sequence 1 has a single token; the others are uniform in
    [1, max_blocks_per_seq * block_size]. Every sequence gets distinct physical blocks (a random permutation of
    the cache's blocks); block-table entries past a sequence's last block are -1."""
    num_seqs, block_size = sizes["num_seqs"], sizes["block_size"]
    max_blocks, num_blocks = sizes["max_blocks_per_seq"], sizes["num_blocks"]
    max_len = max_blocks * block_size
    seq_lens = torch.randint(1, max_len + 1, (num_seqs,), generator=generator, dtype=torch.int64)
    seq_lens[0] = max_len
    if num_seqs > 1:
        seq_lens[1] = 1
    physical = torch.randperm(num_blocks, generator=generator)[: num_seqs * max_blocks].view(num_seqs, max_blocks)
    used = (seq_lens + block_size - 1) // block_size
    unused = torch.arange(max_blocks)[None, :] >= used[:, None]
    block_tables = physical.masked_fill(unused, -1).to(torch.int32)
    return {"block_tables": block_tables, "seq_lens": seq_lens.to(torch.int32)}


def reference(query: torch.Tensor, key_cache: torch.Tensor, value_cache: torch.Tensor, block_tables: torch.Tensor,
              seq_lens: torch.Tensor, num_seqs: int, num_heads: int, num_kv_heads: int, head_size: int,
              block_size: int, max_blocks_per_seq: int, num_blocks: int, scale: float) -> torch.Tensor:
    group = num_heads // num_kv_heads
    out = torch.empty(num_seqs, num_heads, head_size, dtype=torch.float16, device=query.device)
    for s, length in enumerate(seq_lens.tolist()):
        nb = (length + block_size - 1) // block_size
        blocks = block_tables[s, :nb].long()
        # gather the sequence's blocks into contiguous [length, num_kv_heads, head_size] tensors
        k = key_cache[blocks].reshape(nb * block_size, num_kv_heads, head_size)[:length].float()
        v = value_cache[blocks].reshape(nb * block_size, num_kv_heads, head_size)[:length].float()
        q = query[s].float().view(num_kv_heads, group, head_size)
        scores = torch.einsum("kgd,tkd->kgt", q, k) * scale
        p = torch.softmax(scores, dim=-1)
        out[s] = torch.einsum("kgt,tkd->kgd", p, v).reshape(num_heads, head_size).to(torch.float16)
    return out

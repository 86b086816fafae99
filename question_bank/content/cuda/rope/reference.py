import torch


def make_inputs(sizes: dict[str, int], generator: torch.Generator) -> dict[str, torch.Tensor]:
    tokens, head_dim, max_position = sizes["tokens"], sizes["head_dim"], sizes["max_position"]
    positions = torch.randint(0, max_position, (tokens,), generator=generator, dtype=torch.int32)
    # vLLM RotaryEmbedding._compute_cos_sin_cache with base 10000 and rotary_dim = head_dim, in float32:
    # inv_freq[i] = 1 / 10000^(2i / d), cache[p] = [cos(p * inv_freq) | sin(p * inv_freq)].
    inv_freq = 1.0 / (10000.0 ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    t = torch.arange(max_position, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)
    cos_sin_cache = torch.cat((freqs.cos(), freqs.sin()), dim=-1).contiguous()
    return {"positions": positions, "cos_sin_cache": cos_sin_cache}


def _rotate(v: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # NeoX style: the two halves of each head form the (x1, x2) pairs.
    half = v.shape[-1] // 2
    x1, x2 = v[..., :half].to(torch.float32), v[..., half:].to(torch.float32)
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1).to(v.dtype)


def reference(positions: torch.Tensor, query: torch.Tensor, key: torch.Tensor, cos_sin_cache: torch.Tensor,
              tokens: int, num_heads: int, num_kv_heads: int, head_dim: int,
              max_position: int) -> dict[str, torch.Tensor]:
    half = head_dim // 2
    rows = cos_sin_cache[positions.long()]          # [tokens, head_dim]
    cos = rows[:, :half].unsqueeze(1)               # [tokens, 1, half], broadcast over heads
    sin = rows[:, half:].unsqueeze(1)
    return {"query": _rotate(query, cos, sin), "key": _rotate(key, cos, sin)}

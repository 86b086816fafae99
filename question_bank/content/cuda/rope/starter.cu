#include <cuda_fp16.h>
#include <cuda_runtime.h>

// NeoX-style rotary embedding, in place on query [tokens, num_heads, head_dim] and key
// [tokens, num_kv_heads, head_dim] (fp16). For token t at position p = positions[t], with
// cos = cos_sin_cache[p][0 .. head_dim/2) and sin = cos_sin_cache[p][head_dim/2 .. head_dim), every head
// vector v and 0 <= i < head_dim/2:
//   v[i]              <- v[i] * cos[i] - v[i + head_dim/2] * sin[i]
//   v[i + head_dim/2] <- v[i + head_dim/2] * cos[i] + v[i] * sin[i]
__global__ void rope_kernel(const int* positions, __half* query, __half* key, const float* cos_sin_cache,
                            int tokens, int num_heads, int num_kv_heads, int head_dim) {
    // Your kernel here.
}

extern "C" void solve(const int* positions, __half* query, __half* key, const float* cos_sin_cache, int tokens,
                      int num_heads, int num_kv_heads, int head_dim, int max_position) {
    int threads = 256;
    rope_kernel<<<tokens, threads>>>(positions, query, key, cos_sin_cache, tokens, num_heads, num_kv_heads,
                                     head_dim);
}

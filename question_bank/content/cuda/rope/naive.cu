#include <cuda_fp16.h>
#include <cuda_runtime.h>

// One thread per (token, head), looping over the head_dim / 2 rotation pairs. Neighbouring threads work on
// different heads, head_dim * 2 bytes apart, so loads and stores are poorly coalesced.
__global__ void rope_naive(const int* positions, __half* query, __half* key, const float* cos_sin_cache, int tokens,
                           int num_heads, int num_kv_heads, int head_dim) {
    const int heads = num_heads + num_kv_heads;
    const long long id = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (id >= (long long)tokens * heads) return;
    const int token = (int)(id / heads);
    const int head = (int)(id % heads);
    __half* v = head < num_heads ? query + ((size_t)token * num_heads + head) * head_dim
                                 : key + ((size_t)token * num_kv_heads + (head - num_heads)) * head_dim;
    const int half_dim = head_dim / 2;
    const float* cos_row = cos_sin_cache + (size_t)positions[token] * head_dim;
    const float* sin_row = cos_row + half_dim;
    for (int i = 0; i < half_dim; ++i) {
        const float x1 = __half2float(v[i]);
        const float x2 = __half2float(v[i + half_dim]);
        const float c = cos_row[i], s = sin_row[i];
        v[i] = __float2half(x1 * c - x2 * s);
        v[i + half_dim] = __float2half(x2 * c + x1 * s);
    }
}

extern "C" void solve(const int* positions, __half* query, __half* key, const float* cos_sin_cache, int tokens,
                      int num_heads, int num_kv_heads, int head_dim, int max_position) {
    const long long work = (long long)tokens * (num_heads + num_kv_heads);
    if (work <= 0) return;
    const int threads = 256;
    rope_naive<<<(unsigned)((work + threads - 1) / threads), threads>>>(positions, query, key, cos_sin_cache, tokens,
                                                                       num_heads, num_kv_heads, head_dim);
}

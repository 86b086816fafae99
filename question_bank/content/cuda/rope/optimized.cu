#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <cstdint>

// NeoX rotary embedding in place, one block per token (the layout of vLLM's rotary_embedding_kernel), with
// 128-bit accesses.
//
// A thread handles 8 rotation pairs of one head: one 16-byte load of v[i .. i+8) (first half), one of
// v[i+d/2 .. i+d/2+8) (second half), and 2 x 2 float4 loads of cos and sin for those 8 frequencies. The
// token's cos/sin row (head_dim floats) is shared by all (num_heads + num_kv_heads) heads, so after the first
// warp touches it the rest read it from L1; DRAM sees the query and key once each way plus one cache row per
// token. Consecutive threads take consecutive 8-pair groups of a head, then the next head, so a warp's
// accesses cover contiguous spans of the [heads, head_dim] slab of the token. Math is in fp32, rounded once.
// head_dim % 16 != 0 (or misaligned pointers) falls back to one pair per thread with the same mapping.

__device__ __forceinline__ void rotate8(__half* __restrict__ v, int half_dim, int i, const float* __restrict__ cos_row,
                                        const float* __restrict__ sin_row) {
    uint4 lo_raw = *reinterpret_cast<const uint4*>(v + i);
    uint4 hi_raw = *reinterpret_cast<const uint4*>(v + half_dim + i);
    const float4 c0 = __ldg(reinterpret_cast<const float4*>(cos_row + i));
    const float4 c1 = __ldg(reinterpret_cast<const float4*>(cos_row + i + 4));
    const float4 s0 = __ldg(reinterpret_cast<const float4*>(sin_row + i));
    const float4 s1 = __ldg(reinterpret_cast<const float4*>(sin_row + i + 4));
    const float c[8] = {c0.x, c0.y, c0.z, c0.w, c1.x, c1.y, c1.z, c1.w};
    const float s[8] = {s0.x, s0.y, s0.z, s0.w, s1.x, s1.y, s1.z, s1.w};
    __half2* lo = reinterpret_cast<__half2*>(&lo_raw);
    __half2* hi = reinterpret_cast<__half2*>(&hi_raw);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
        const float2 x1 = __half22float2(lo[k]);
        const float2 x2 = __half22float2(hi[k]);
        const float ca = c[2 * k], cb = c[2 * k + 1], sa = s[2 * k], sb = s[2 * k + 1];
        lo[k] = __floats2half2_rn(x1.x * ca - x2.x * sa, x1.y * cb - x2.y * sb);
        hi[k] = __floats2half2_rn(x2.x * ca + x1.x * sa, x2.y * cb + x1.y * sb);
    }
    *reinterpret_cast<uint4*>(v + i) = lo_raw;
    *reinterpret_cast<uint4*>(v + half_dim + i) = hi_raw;
}

template <bool VEC>
__global__ void rope_token_block(const int* __restrict__ positions, __half* __restrict__ query,
                                 __half* __restrict__ key, const float* __restrict__ cos_sin_cache, int num_heads,
                                 int num_kv_heads, int head_dim) {
    const int token = blockIdx.x;
    const int half_dim = head_dim / 2;
    const float* cos_row = cos_sin_cache + (size_t)__ldg(positions + token) * head_dim;
    const float* sin_row = cos_row + half_dim;
    const int groups = VEC ? half_dim / 8 : half_dim;  // work items per head
    const int items = (num_heads + num_kv_heads) * groups;
    __half* q_tok = query + (size_t)token * num_heads * head_dim;
    __half* k_tok = key + (size_t)token * num_kv_heads * head_dim;

    for (int it = threadIdx.x; it < items; it += blockDim.x) {
        const int head = it / groups;
        const int g = it - head * groups;
        __half* v = head < num_heads ? q_tok + (size_t)head * head_dim : k_tok + (size_t)(head - num_heads) * head_dim;
        if (VEC) {
            rotate8(v, half_dim, g * 8, cos_row, sin_row);
        } else {
            const float x1 = __half2float(v[g]);
            const float x2 = __half2float(v[g + half_dim]);
            const float c = __ldg(cos_row + g), s = __ldg(sin_row + g);
            v[g] = __float2half_rn(x1 * c - x2 * s);
            v[g + half_dim] = __float2half_rn(x2 * c + x1 * s);
        }
    }
}

extern "C" void solve(const int* positions, __half* query, __half* key, const float* cos_sin_cache, int tokens,
                      int num_heads, int num_kv_heads, int head_dim, int max_position) {
    if (tokens <= 0 || head_dim < 2) return;
    const bool aligned = ((reinterpret_cast<uintptr_t>(query) | reinterpret_cast<uintptr_t>(key) |
                           reinterpret_cast<uintptr_t>(cos_sin_cache)) & 15) == 0;
    const bool vec = aligned && head_dim % 16 == 0;
    const int items = (num_heads + num_kv_heads) * (vec ? head_dim / 16 : head_dim / 2);
    // Enough threads for one item each (up to 512), in whole warps.
    int threads = ((items + 31) / 32) * 32;
    threads = threads < 32 ? 32 : (threads > 512 ? 512 : threads);
    if (vec) {
        rope_token_block<true><<<tokens, threads>>>(positions, query, key, cos_sin_cache, num_heads, num_kv_heads,
                                                    head_dim);
    } else {
        rope_token_block<false><<<tokens, threads>>>(positions, query, key, cos_sin_cache, num_heads, num_kv_heads,
                                                     head_dim);
    }
}

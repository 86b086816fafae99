#include <cuda_runtime.h>
#include <climits>

// One warp per token; the token's logits live in registers: lane l holds experts l, l + 32, l + 64, ... (R per
// lane), loaded with coalesced 128-byte warp loads. Warps are persistent (a grid-stride loop over tokens) and load
// the next token's row before working on the current one, so the selection below overlaps the next load.
//
// Each logit becomes an order-preserving unsigned key (flip the sign bit of non-negative floats, all bits of
// negative ones), so a warp maximum is one redux.sync instruction (__reduce_max_sync, sm_80+). Each lane sorts its
// R (key, expert) pairs once (stable, so lower experts stay first among equal keys); then each of the k rounds is
//   top    = max over lanes of the lane's head key                     (__reduce_max_sync)
//   expert = min over lanes whose head key == top of the head expert   (__reduce_min_sync: lower index wins ties)
// and the winning lane shifts its list by one. Lane j keeps the winner of round j.
//
// With renormalization the softmax denominator cancels:
//   w_j = exp(g_j - g_max) / sum_{i in top-k} exp(g_i - g_max)
// so only the k chosen exponentials are computed, by the k lanes that hold them, and summed with shuffles.
constexpr int WARPS_PER_BLOCK = 8;
constexpr unsigned FULL = 0xffffffffu;

__device__ __forceinline__ unsigned order_key(float v) {
    const unsigned b = __float_as_uint(v + 0.0f);  // + 0.0f turns -0 into +0 so that -0 == +0 as in torch
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

__device__ __forceinline__ float key_value(unsigned key) {
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

template <int R>
__device__ __forceinline__ void load_row(const float* __restrict__ gating, int t, int num_experts, float (&v)[R]) {
    const float* g = gating + (size_t)t * num_experts;
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int r = 0; r < R; ++r) {
        const int e = r * 32 + lane;
        v[r] = e < num_experts ? __ldcs(g + e) : 0.0f;
    }
}

template <int R>
__global__ void __launch_bounds__(WARPS_PER_BLOCK * 32) moe_topk(const float* __restrict__ gating,
                                                                 float* __restrict__ topk_weights,
                                                                 int* __restrict__ topk_ids, int tokens,
                                                                 int num_experts, int k) {
    const int lane = threadIdx.x & 31;
    const int stride = gridDim.x * WARPS_PER_BLOCK;
    int t = blockIdx.x * WARPS_PER_BLOCK + (threadIdx.x >> 5);
    float next[R];
    if (t < tokens) load_row<R>(gating, t, num_experts, next);
    for (; t < tokens; t += stride) {  // warp-uniform loop: no block-level barriers anywhere
        unsigned key[R];  // 0 = empty, below every real key (key 0 would be a negative NaN)
        int expert_of[R];
#pragma unroll
        for (int r = 0; r < R; ++r) {
            expert_of[r] = r * 32 + lane;
            key[r] = expert_of[r] < num_experts ? order_key(next[r]) : 0u;
        }
        if (t + stride < tokens) load_row<R>(gating, t + stride, num_experts, next);  // in flight during selection

        // Odd-even transposition sort of the lane's R pairs, key descending; strict > keeps it stable.
#pragma unroll
        for (int pass = 0; pass < R; ++pass) {
#pragma unroll
            for (int i = pass & 1; i + 1 < R; i += 2) {
                if (key[i + 1] > key[i]) {
                    const unsigned tk = key[i]; key[i] = key[i + 1]; key[i + 1] = tk;
                    const int te = expert_of[i]; expert_of[i] = expert_of[i + 1]; expert_of[i + 1] = te;
                }
            }
        }

        unsigned my_key = 0;  // lane j: the key and expert chosen in round j
        int my_expert = 0;
        for (int j = 0; j < k; ++j) {
            const unsigned top = __reduce_max_sync(FULL, key[0]);
            const unsigned candidate = key[0] == top ? (unsigned)expert_of[0] : 0xffffffffu;
            const unsigned expert = __reduce_min_sync(FULL, candidate);
            if (candidate == expert) {  // this lane owned the winner: pop its head
#pragma unroll
                for (int r = 0; r + 1 < R; ++r) { key[r] = key[r + 1]; expert_of[r] = expert_of[r + 1]; }
                key[R - 1] = 0u;
            }
            if (lane == j) { my_key = top; my_expert = (int)expert; }
        }

        const float top_logit = __shfl_sync(FULL, key_value(my_key), 0);  // round 0 holds the maximum logit
        const float w = lane < k ? expf(key_value(my_key) - top_logit) : 0.0f;
        float sum = w;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(FULL, sum, o);
        if (lane < k) {
            topk_weights[(size_t)t * k + lane] = w / sum;
            topk_ids[(size_t)t * k + lane] = my_expert;
        }
    }
}

template <int R>
static void launch(const float* gating, float* topk_weights, int* topk_ids, int tokens, int num_experts, int k) {
    int device = 0, sms = 0, per_sm = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, moe_topk<R>, WARPS_PER_BLOCK * 32, 0);
    const int needed = (tokens + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK;
    const int resident = sms * (per_sm > 0 ? per_sm : 1);  // one full wave of persistent warps
    const int blocks = needed < resident ? needed : resident;
    moe_topk<R><<<blocks, WARPS_PER_BLOCK * 32>>>(gating, topk_weights, topk_ids, tokens, num_experts, k);
}

extern "C" void solve(const float* gating, float* topk_weights, int* topk_ids, int tokens, int num_experts, int k) {
    const int per_lane = (num_experts + 31) / 32;  // registers per lane, rounded up to a compiled size
    if (per_lane <= 1) launch<1>(gating, topk_weights, topk_ids, tokens, num_experts, k);
    else if (per_lane <= 2) launch<2>(gating, topk_weights, topk_ids, tokens, num_experts, k);
    else if (per_lane <= 4) launch<4>(gating, topk_weights, topk_ids, tokens, num_experts, k);
    else if (per_lane <= 8) launch<8>(gating, topk_weights, topk_ids, tokens, num_experts, k);
    else launch<16>(gating, topk_weights, topk_ids, tokens, num_experts, k);
}

#include <cuda_runtime.h>

// One thread per token, straight from the definition: the full softmax (max, sum of exponentials), then k
// selection rounds over the row (each round takes the best expert strictly worse than the previous pick under
// the order logit descending, index ascending), then renormalization of the chosen weights.
__device__ __forceinline__ bool better(float av, int ai, float bv, int bi) {
    return av > bv || (av == bv && ai < bi);
}

__global__ void moe_topk(const float* gating, float* topk_weights, int* topk_ids, int tokens, int num_experts,
                         int k) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= tokens) return;
    const float* g = gating + (size_t)t * num_experts;
    float m = -INFINITY;
    for (int e = 0; e < num_experts; ++e) m = fmaxf(m, g[e]);
    float denom = 0.0f;
    for (int e = 0; e < num_experts; ++e) denom += expf(g[e] - m);

    float prev_v = INFINITY;
    int prev_i = -1;
    float chosen_sum = 0.0f;
    for (int j = 0; j < k; ++j) {
        float best_v = -INFINITY;
        int best_i = -1;
        for (int e = 0; e < num_experts; ++e) {
            const float v = g[e];
            if (better(prev_v, prev_i, v, e) && (best_i < 0 || better(v, e, best_v, best_i))) {
                best_v = v;
                best_i = e;
            }
        }
        const float w = expf(best_v - m) / denom;
        topk_weights[(size_t)t * k + j] = w;
        topk_ids[(size_t)t * k + j] = best_i;
        chosen_sum += w;
        prev_v = best_v;
        prev_i = best_i;
    }
    for (int j = 0; j < k; ++j) topk_weights[(size_t)t * k + j] /= chosen_sum;
}

extern "C" void solve(const float* gating, float* topk_weights, int* topk_ids, int tokens, int num_experts, int k) {
    const int threads = 128;
    moe_topk<<<(tokens + threads - 1) / threads, threads>>>(gating, topk_weights, topk_ids, tokens, num_experts, k);
}

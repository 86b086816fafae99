#include <cuda_runtime.h>

// MoE router top-k (vLLM topk_softmax with renormalization). For every token t, over gating [tokens, num_experts]
// (row-major fp32):
//   p = softmax(gating[t, :]) over all experts
//   topk_ids[t, 0..k)     = the k experts with the largest gating logits, descending; ties: lower expert first
//   topk_weights[t, j]    = p[topk_ids[t, j]] / sum_i p[topk_ids[t, i]]
// All pointers are device pointers; 1 <= k <= min(32, num_experts), num_experts <= 512.
__global__ void moe_topk(const float* gating, float* topk_weights, int* topk_ids, int tokens, int num_experts,
                         int k) {
    // Your kernel here.
}

extern "C" void solve(const float* gating, float* topk_weights, int* topk_ids, int tokens, int num_experts, int k) {
    moe_topk<<<(tokens + 255) / 256, 256>>>(gating, topk_weights, topk_ids, tokens, num_experts, k);
}

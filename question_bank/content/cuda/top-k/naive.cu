#include <cuda_runtime.h>
#include <climits>

// One block per row and k rounds. Round j finds, with a block-wide argmax, the best element that is strictly
// worse than the element chosen in round j-1 under the order (value descending, index ascending). Every round
// re-reads the whole row: k passes over the data.
constexpr int THREADS = 256;

__device__ __forceinline__ bool better(float av, int ai, float bv, int bi) {
    return av > bv || (av == bv && ai < bi);
}

__global__ void topk_rows(const float* logits, float* values, int* indices, int vocab, int k) {
    __shared__ float s_v[THREADS];
    __shared__ int s_i[THREADS];
    const size_t row = blockIdx.x;
    const float* x = logits + row * vocab;
    float prev_v = INFINITY;
    int prev_i = -1;  // (+inf, -1) is better than every element
    for (int round = 0; round < k; ++round) {
        float best_v = -INFINITY;
        int best_i = INT_MAX;  // (-inf, INT_MAX) is worse than every element
        for (int i = threadIdx.x; i < vocab; i += THREADS) {
            const float v = x[i];
            if (better(prev_v, prev_i, v, i) && better(v, i, best_v, best_i)) {
                best_v = v;
                best_i = i;
            }
        }
        s_v[threadIdx.x] = best_v;
        s_i[threadIdx.x] = best_i;
        __syncthreads();
        for (int stride = THREADS / 2; stride > 0; stride >>= 1) {
            if (threadIdx.x < stride && better(s_v[threadIdx.x + stride], s_i[threadIdx.x + stride],
                                               s_v[threadIdx.x], s_i[threadIdx.x])) {
                s_v[threadIdx.x] = s_v[threadIdx.x + stride];
                s_i[threadIdx.x] = s_i[threadIdx.x + stride];
            }
            __syncthreads();
        }
        prev_v = s_v[0];
        prev_i = s_i[0];
        if (threadIdx.x == 0) {
            values[row * k + round] = prev_v;
            indices[row * k + round] = prev_i;
        }
        __syncthreads();  // s_v / s_i are rewritten in the next round
    }
}

extern "C" void solve(const float* logits, float* values, int* indices, int rows, int vocab, int k) {
    topk_rows<<<rows, THREADS>>>(logits, values, indices, vocab, k);
}

#include <cuda_runtime.h>

// One block per row.
// 1. Binary search over the bit patterns of the probabilities (for non-negative floats the unsigned bit
//    pattern orders like the value) for the pivot K: the largest key with mass(prob >= K) >= p. Every step is
//    one pass over the row with a block reduction: about 31 passes.
// 2. The nucleus is every token with key > K, plus the first r tokens (by index) with key == K, where r is the
//    smallest count that brings the mass to p.
// 3. Thread 0 walks the row in index order and returns the first kept token where the running sum exceeds
//    u * M.
constexpr int THREADS = 256;

__device__ float block_sum(float v, float* red) {
    red[threadIdx.x] = v;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
        __syncthreads();
    }
    const float total = red[0];
    __syncthreads();
    return total;
}

__device__ float mass_at_least(const float* x, int vocab, unsigned key, float* red) {
    float s = 0.0f;
    for (int i = threadIdx.x; i < vocab; i += THREADS)
        if (__float_as_uint(x[i]) >= key) s += x[i];
    return block_sum(s, red);
}

__global__ void top_p_sample(const float* probs, const float* u, int* token, int vocab, float p) {
    __shared__ float red[THREADS];
    const size_t row = blockIdx.x;
    const float* x = probs + row * vocab;

    unsigned pivot = 0;       // K
    float mass_above = 0.0f;  // mass of keys > K
    bool keep_all = mass_at_least(x, vocab, 0u, red) < p;
    if (keep_all) {
        mass_above = mass_at_least(x, vocab, 1u, red);
    } else {
        unsigned lo = 0, hi = 0x80000000u;  // mass(>= lo) >= p, mass(>= hi) < p
        float mass_hi = 0.0f;
        while (hi - lo > 1) {
            const unsigned mid = lo + (hi - lo) / 2;
            const float m = mass_at_least(x, vocab, mid, red);
            if (m >= p) lo = mid;
            else { hi = mid; mass_hi = m; }
        }
        pivot = lo;
        mass_above = mass_hi;
    }
    float equal = 0.0f;
    for (int i = threadIdx.x; i < vocab; i += THREADS) equal += __float_as_uint(x[i]) == pivot ? 1.0f : 0.0f;
    const int count_equal = (int)block_sum(equal, red);  // exact: a count far below 2^24

    if (threadIdx.x == 0) {
        const float v = __uint_as_float(pivot);
        int r = count_equal;  // tokens equal to the pivot that are kept, lowest indices first
        if (!keep_all && v > 0.0f) {
            const float need = ceilf((p - mass_above) / v);
            r = need <= 1.0f ? 1 : (need >= (float)count_equal ? count_equal : (int)need);
        }
        const float total = mass_above + (float)r * v;
        const float t = u[row] * total;
        float running = 0.0f;
        int seen_equal = 0, last = -1, answer = -1;
        for (int i = 0; i < vocab; ++i) {
            const unsigned key = __float_as_uint(x[i]);
            bool kept = key > pivot;
            if (key == pivot) kept = seen_equal++ < r;
            if (kept) {
                last = i;
                running += x[i];
                if (running > t) { answer = i; break; }
            }
        }
        token[row] = answer >= 0 ? answer : last;
    }
}

extern "C" void solve(const float* probs, const float* u, int* token, int rows, int vocab, float p) {
    top_p_sample<<<rows, THREADS>>>(probs, u, token, vocab, p);
}

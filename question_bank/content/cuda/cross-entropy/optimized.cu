#include <cuda_runtime.h>
#include <cstdint>

// One block per row, one pass over the row (online softmax normalizer).
// Each thread keeps a running maximum m and a running sum s = sum exp(x - m). It reads two float4 per
// iteration (two independent 16-byte loads in flight per thread), takes the maximum of the new values,
// rescales s once by exp(m_old - m_new) if the maximum grew, and adds the new exponentials. Threads merge their
// (m, s) pairs with warp shuffles, then warps through shared memory:
//   (m1, s1) + (m2, s2) = (M, s1 * exp(m1 - M) + s2 * exp(m2 - M)),  M = max(m1, m2).
// loss = m + log(s) - x[target]. The row is read from DRAM once; the two-pass version reads it twice and a
// 513 KB row x hundreds of rows does not stay in L2, so the second pass costs DRAM bandwidth too.
constexpr int THREADS = 512;

__device__ __forceinline__ void merge(float& m, float& s, float m2, float s2) {
    const float M = fmaxf(m, m2);
    if (M == -INFINITY) return;  // both sides empty: keep (-inf, 0), avoid exp(-inf - -inf) = NaN
    s = s * __expf(m - M) + s2 * __expf(m2 - M);
    m = M;
}

__device__ __forceinline__ void add4(float& m, float& s, float4 v) {
    const float m4 = fmaxf(fmaxf(v.x, v.y), fmaxf(v.z, v.w));
    if (m4 > m) {          // rescale once per 4 elements, not once per element
        s *= __expf(m - m4);
        m = m4;
    }
    s += __expf(v.x - m) + __expf(v.y - m) + __expf(v.z - m) + __expf(v.w - m);
}

__global__ void __launch_bounds__(THREADS) cross_entropy(const float* __restrict__ logits,
                                                         const int* __restrict__ targets, float* __restrict__ loss,
                                                         int vocab, bool vec) {
    __shared__ float warp_m[THREADS / 32], warp_s[THREADS / 32];
    const size_t row = blockIdx.x;
    const float* x = logits + row * vocab;
    float m = -INFINITY, s = 0.0f;

    if (vec) {  // vocab % 4 == 0 and a 16-byte aligned row
        const float4* x4 = reinterpret_cast<const float4*>(x);
        const int n4 = vocab / 4;
        int i = threadIdx.x;
        for (; i + THREADS < n4; i += 2 * THREADS) {  // two independent 16-byte loads per iteration
            const float4 a = __ldcs(x4 + i);
            const float4 b = __ldcs(x4 + i + THREADS);
            add4(m, s, a);
            add4(m, s, b);
        }
        if (i < n4) add4(m, s, __ldcs(x4 + i));
    } else {
        for (int i = threadIdx.x; i < vocab; i += THREADS) {
            const float v = __ldcs(x + i);
            if (v > m) { s *= __expf(m - v); m = v; }
            s += __expf(v - m);
        }
    }

#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, o);
        const float s2 = __shfl_xor_sync(0xffffffffu, s, o);
        merge(m, s, m2, s2);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { warp_m[warp] = m; warp_s[warp] = s; }
    __syncthreads();
    if (warp == 0) {
        m = lane < THREADS / 32 ? warp_m[lane] : -INFINITY;
        s = lane < THREADS / 32 ? warp_s[lane] : 0.0f;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float m2 = __shfl_xor_sync(0xffffffffu, m, o);
            const float s2 = __shfl_xor_sync(0xffffffffu, s, o);
            merge(m, s, m2, s2);
        }
        if (lane == 0) loss[row] = m + logf(s) - x[targets[row]];
    }
}

extern "C" void solve(const float* logits, const int* targets, float* loss, int rows, int vocab) {
    const bool vec = vocab % 4 == 0 && (reinterpret_cast<uintptr_t>(logits) & 15) == 0;
    cross_entropy<<<rows, THREADS>>>(logits, targets, loss, vocab, vec);
}

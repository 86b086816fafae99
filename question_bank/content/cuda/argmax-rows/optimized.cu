#include <cuda_runtime.h>
#include <climits>
#include <cstdint>
#include <math_constants.h>

// One block per row.
//  - Each thread scans a strided slice of the row with float4 loads (coalesced: a warp reads 512 contiguous
//    bytes per step), two loads in flight per iteration. Rows whose start is not 16-byte aligned (vocab % 4 != 0)
//    get a scalar head of up to 3 elements; the last vocab % 4 elements (after the head) a scalar tail.
//  - Each thread keeps a (value, index) pair. The combine rule "larger value, or equal value and smaller index"
//    is associative and commutative, so the lowest index wins ties no matter in which order threads saw the
//    elements or in which order the pairs are merged.
//  - Pairs are merged with __shfl_xor_sync inside each warp, then across warps through shared memory.
// The initial pair (-inf, INT_MAX) loses to every real element, even a -inf one.
constexpr int THREADS = 512;
constexpr int WARPS = THREADS / 32;

__device__ __forceinline__ void consider(float v, int i, float& best, int& index) {
    if (v > best || (v == best && i < index)) {
        best = v;
        index = i;
    }
}

__device__ __forceinline__ void consider4(float4 v, int i, float& best, int& index) {
    consider(v.x, i, best, index);
    consider(v.y, i + 1, best, index);
    consider(v.z, i + 2, best, index);
    consider(v.w, i + 3, best, index);
}

__device__ __forceinline__ void warp_argmax(float& best, int& index) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float other = __shfl_xor_sync(0xffffffffu, best, offset);
        const int other_index = __shfl_xor_sync(0xffffffffu, index, offset);
        consider(other, other_index, best, index);
    }
}

__global__ void __launch_bounds__(THREADS)
argmax_rows(const float* __restrict__ logits, int* __restrict__ out, int vocab) {
    const float* row = logits + static_cast<size_t>(blockIdx.x) * vocab;
    float best = -CUDART_INF_F;
    int index = INT_MAX;

    // Elements before the first 16-byte boundary of this row (0-3 of them).
    int head = static_cast<int>(((16 - (reinterpret_cast<uintptr_t>(row) & 15)) & 15) / sizeof(float));
    head = head < vocab ? head : vocab;
    if (static_cast<int>(threadIdx.x) < head) consider(__ldg(row + threadIdx.x), threadIdx.x, best, index);

    const float4* row4 = reinterpret_cast<const float4*>(row + head);
    const int n4 = (vocab - head) / 4;
    int k = threadIdx.x;
    for (; k + THREADS < n4; k += 2 * THREADS) {
        const float4 a = __ldg(row4 + k);
        const float4 b = __ldg(row4 + k + THREADS);
        consider4(a, head + 4 * k, best, index);
        consider4(b, head + 4 * (k + THREADS), best, index);
    }
    if (k < n4) consider4(__ldg(row4 + k), head + 4 * k, best, index);
    for (int j = head + 4 * n4 + threadIdx.x; j < vocab; j += THREADS) consider(__ldg(row + j), j, best, index);

    // Every thread gets here (no early exit), so full-mask shuffles and the barrier are safe.
    __shared__ float warp_best[WARPS];
    __shared__ int warp_index[WARPS];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    warp_argmax(best, index);
    if (lane == 0) {
        warp_best[warp] = best;
        warp_index[warp] = index;
    }
    __syncthreads();
    if (warp == 0) {
        best = lane < WARPS ? warp_best[lane] : -CUDART_INF_F;
        index = lane < WARPS ? warp_index[lane] : INT_MAX;
        warp_argmax(best, index);
        if (lane == 0) out[blockIdx.x] = index;
    }
}

extern "C" void solve(const float* logits, int* out, int rows, int vocab) {
    argmax_rows<<<rows, THREADS>>>(logits, out, vocab);
}

#include <cuda_runtime.h>
#include <cstdint>
#include <math.h>

// Row softmax: an online (single-pass) max/sum over a row held in registers, then the write pass from
// those registers.
//
// Each thread loads its share of the row once (float4 when cols % 4 == 0 and the pointers are 16-byte
// aligned, scalars otherwise) at vector index t + i * count, so every warp load is contiguous. While loading
// it keeps a running pair (m, s): m is the largest value seen, s = sum exp(x - m); a larger maximum rescales s
// by exp(m_old - m_new) instead of needing a separate max pass (Milakov & Gimelshein, 2018). Pairs are merged
// across lanes with warp shuffles and, for block-per-row, across warps through shared memory. The write pass
// recomputes exp(x - m) / s from the registers, so DRAM sees exactly 4 bytes read + 4 bytes written per
// element and there is no second read at all.
//
// Layout of the work:
//   cols <= 1024           : one warp per row (8 rows per 256-thread block), no block barrier at all
//   cols <= 16 * 512 * VEC : one block per row, the fewest warps (<= 512 threads) whose registers hold the row
//   longer rows            : one 1024-thread block per row, online pass over global memory, then a re-read
//                            (mostly from L2) for the write pass.

struct MaxSum {
    float m;
    float s;
};

__device__ __forceinline__ MaxSum combine(MaxSum a, MaxSum b) {
    const float m = fmaxf(a.m, b.m);
    if (m == -INFINITY) return {m, 0.0f};  // both sides empty
    // __expf(-inf) = 0, so an empty side contributes nothing.
    return {m, a.s * __expf(a.m - m) + b.s * __expf(b.m - m)};
}

__device__ __forceinline__ MaxSum warp_combine(MaxSum v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        MaxSum other;
        other.m = __shfl_xor_sync(0xffffffffu, v.m, offset);
        other.s = __shfl_xor_sync(0xffffffffu, v.s, offset);
        v = combine(v, other);
    }
    return v;
}

template <int VEC>
struct alignas(4 * VEC) FloatVec {
    float f[VEC];
};

// Online update with VEC new values at once: one rescale of s per vector.
template <int VEC>
__device__ __forceinline__ void accumulate(MaxSum& acc, const FloatVec<VEC>& v) {
    float m = acc.m;
#pragma unroll
    for (int k = 0; k < VEC; ++k) m = fmaxf(m, v.f[k]);
    float s = acc.s * __expf(acc.m - m);
#pragma unroll
    for (int k = 0; k < VEC; ++k) s += __expf(v.f[k] - m);
    acc = {m, s};
}

constexpr int kWarpsPerBlock = 8;

// BLOCK = false: one warp per row; BLOCK = true: one block per row. The row is cached in ITEMS vectors of VEC
// floats per thread.
template <int VEC, int ITEMS, bool BLOCK>
__global__ void __launch_bounds__(512)
softmax_cached(const float* __restrict__ input, float* __restrict__ output, int rows, int cols) {
    using V = FloatVec<VEC>;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    int row, t, count;
    if (BLOCK) {
        row = blockIdx.x;
        t = threadIdx.x;
        count = blockDim.x;
    } else {
        row = blockIdx.x * kWarpsPerBlock + warp;
        if (row >= rows) return;  // whole warp leaves; this variant has no block barrier
        t = lane;
        count = 32;
    }
    const int nvec = cols / VEC;
    const V* x = reinterpret_cast<const V*>(input + (size_t)row * cols);
    V* y = reinterpret_cast<V*>(output + (size_t)row * cols);

    V v[ITEMS];
    MaxSum acc = {-INFINITY, 0.0f};
#pragma unroll
    for (int i = 0; i < ITEMS; ++i) {
        const int idx = t + i * count;
        if (idx < nvec) v[i] = x[idx];
    }
#pragma unroll
    for (int i = 0; i < ITEMS; ++i) {
        if (t + i * count < nvec) accumulate<VEC>(acc, v[i]);
    }
    acc = warp_combine(acc);
    if (BLOCK) {
        __shared__ MaxSum s_warp[32];
        if (lane == 0) s_warp[warp] = acc;
        __syncthreads();
        MaxSum w = lane < (int)(blockDim.x >> 5) ? s_warp[lane] : MaxSum{-INFINITY, 0.0f};
        acc = warp_combine(w);  // every warp reduces the warp partials itself: no second barrier
    }
    const float m = acc.m;
    const float inv_s = 1.0f / acc.s;
#pragma unroll
    for (int i = 0; i < ITEMS; ++i) {
        const int idx = t + i * count;
        if (idx < nvec) {
            V o;
#pragma unroll
            for (int k = 0; k < VEC; ++k) o.f[k] = __expf(v[i].f[k] - m) * inv_s;
            y[idx] = o;
        }
    }
}

// Rows too long to hold in registers: online pass over global memory, then a second read for the write.
template <int VEC>
__global__ void __launch_bounds__(1024)
softmax_long_rows(const float* __restrict__ input, float* __restrict__ output, int rows, int cols) {
    using V = FloatVec<VEC>;
    __shared__ MaxSum s_warp[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int nvec = cols / VEC;
    const V* x = reinterpret_cast<const V*>(input + (size_t)blockIdx.x * cols);
    V* y = reinterpret_cast<V*>(output + (size_t)blockIdx.x * cols);
    MaxSum acc = {-INFINITY, 0.0f};
#pragma unroll 4
    for (int j = threadIdx.x; j < nvec; j += blockDim.x) accumulate<VEC>(acc, x[j]);
    acc = warp_combine(acc);
    if (lane == 0) s_warp[warp] = acc;
    __syncthreads();
    acc = warp_combine(lane < (int)(blockDim.x >> 5) ? s_warp[lane] : MaxSum{-INFINITY, 0.0f});
    const float m = acc.m;
    const float inv_s = 1.0f / acc.s;
#pragma unroll 4
    for (int j = threadIdx.x; j < nvec; j += blockDim.x) {
        const V a = x[j];
        V o;
#pragma unroll
        for (int k = 0; k < VEC; ++k) o.f[k] = __expf(a.f[k] - m) * inv_s;
        y[j] = o;
    }
}

// Block per row with the row in registers: the fewest warps (at most 512 threads) that hold it.
template <int VEC, int ITEMS>
static bool try_block(const float* input, float* output, int rows, int cols) {
    const int nvec = cols / VEC;
    if ((nvec + 511) / 512 > ITEMS) return false;
    int threads = (nvec + ITEMS - 1) / ITEMS;
    threads = ((threads + 31) / 32) * 32;
    softmax_cached<VEC, ITEMS, true><<<rows, threads>>>(input, output, rows, cols);
    return true;
}

template <int VEC>
static void launch(const float* input, float* output, int rows, int cols) {
    if (cols <= 1024) {
        const int blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
        softmax_cached<VEC, 1024 / (32 * VEC), false><<<blocks, kWarpsPerBlock * 32>>>(input, output, rows, cols);
        return;
    }
    if (try_block<VEC, 8>(input, output, rows, cols)) return;
    if (try_block<VEC, 16>(input, output, rows, cols)) return;
    softmax_long_rows<VEC><<<rows, 1024>>>(input, output, rows, cols);
}

extern "C" void solve(const float* input, float* output, int rows, int cols) {
    if (rows <= 0 || cols <= 0) return;
    const bool aligned = ((reinterpret_cast<uintptr_t>(input) | reinterpret_cast<uintptr_t>(output)) & 15) == 0;
    if (aligned && cols % 4 == 0) {
        launch<4>(input, output, rows, cols);
    } else {
        launch<1>(input, output, rows, cols);
    }
}

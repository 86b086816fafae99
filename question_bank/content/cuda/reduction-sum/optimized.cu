#include <cuda_runtime.h>
#include <cstdint>

// Single-pass reduction:
//  1. A grid of a few blocks per SM walks the input with a grid-stride loop of 16-byte float4 loads, four
//     independent loads in flight per thread, each thread keeping a private float accumulator.
//  2. Each warp reduces its 32 partials with __shfl_xor_sync (registers only, no barriers).
//  3. Warp sums meet in shared memory; warp 0 reduces them and lane 0 does one atomicAdd per block.
// The output is zeroed with cudaMemsetAsync on the default stream first, so the whole sum is two stream-ordered
// operations and needs no workspace. Float atomics make the last bits depend on block order (not bit-
// reproducible run to run); a two-pass scheme over per-block partials would be deterministic.
constexpr int THREADS = 256;
constexpr int WARPS = THREADS / 32;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float sum4(float4 v) { return (v.x + v.y) + (v.z + v.w); }

__global__ void __launch_bounds__(THREADS)
reduce_sum(const float* __restrict__ input, float* __restrict__ output, int n, bool aligned) {
    const size_t first = static_cast<size_t>(blockIdx.x) * THREADS + threadIdx.x;
    const size_t stride = static_cast<size_t>(gridDim.x) * THREADS;
    float acc = 0.0f;
    size_t scalar_start = 0;
    if (aligned) {
        const float4* in4 = reinterpret_cast<const float4*>(input);
        const size_t n4 = static_cast<size_t>(n) / 4;
        size_t i = first;
        // Four independent 16-byte loads per iteration keep enough bytes in flight to cover DRAM latency.
        for (; i + 3 * stride < n4; i += 4 * stride) {
            const float4 a = __ldg(in4 + i);
            const float4 b = __ldg(in4 + i + stride);
            const float4 c = __ldg(in4 + i + 2 * stride);
            const float4 d = __ldg(in4 + i + 3 * stride);
            acc += (sum4(a) + sum4(b)) + (sum4(c) + sum4(d));
        }
        for (; i < n4; i += stride) acc += sum4(__ldg(in4 + i));
        scalar_start = n4 * 4;
    }
    // The n % 4 tail (or everything, if the pointer is not 16-byte aligned).
    for (size_t i = scalar_start + first; i < static_cast<size_t>(n); i += stride) acc += __ldg(input + i);

    // Every thread reaches this point (no early return), so full-mask shuffles and the barrier are safe.
    __shared__ float warp_sums[WARPS];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    acc = warp_sum(acc);
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        float v = lane < WARPS ? warp_sums[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) atomicAdd(output, v);
    }
}

extern "C" void solve(const float* input, float* output, int n) {
    int device = 0, sms = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    const bool aligned = (reinterpret_cast<uintptr_t>(input) & 15) == 0;
    cudaMemsetAsync(output, 0, sizeof(float), 0);
    // Enough blocks to fill every SM (8 x 256 threads = 2048, the per-SM maximum), but no more than the data
    // needs: each extra block only adds an atomic.
    const long long work_items = aligned ? n / 4 : n;
    const long long needed = (work_items + THREADS - 1) / THREADS;
    const long long cap = static_cast<long long>(sms) * 8;
    const int blocks = static_cast<int>(needed < 1 ? 1 : (needed < cap ? needed : cap));
    reduce_sum<<<blocks, THREADS>>>(input, output, n, aligned);
}

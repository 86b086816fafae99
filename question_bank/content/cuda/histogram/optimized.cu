#include <cuda_runtime.h>
#include <cstdint>

// Privatized, lane-replicated histogram.
//  - Each block keeps private counts in shared memory, so the per-byte atomics are shared-memory atomics on the
//    SM instead of global atomics serializing on 256 addresses in L2.
//  - The block's counts are replicated 32 times, one column per lane: bin b of lane l lives at hist[b * 32 + l],
//    which is in bank l. A warp's 32 atomics therefore always hit 32 different banks, whatever the bytes are
//    (with a single 256-int histogram, random bytes put ~3-4 lanes on the busiest bank and a skewed input puts
//    many lanes on the same address). 256 x 32 ints = 32 KB per block.
//  - Each thread reads 16 bytes per load (uint4) in a grid-stride loop, two loads in flight per iteration.
//  - At the end each block sums the 32 columns of each bin (rotated so the reads are conflict-free too) and
//    adds the non-zero totals into the global counts: 256 global atomics per block, a few hundred blocks in all.
// counts is zeroed with cudaMemsetAsync on the default stream before the kernel.
constexpr int BINS = 256;
constexpr int LANES = 32;
constexpr int THREADS = 512;

__device__ __forceinline__ void count_word(int* column, unsigned word) {
    atomicAdd(&column[(word & 0xffu) * LANES], 1);
    atomicAdd(&column[((word >> 8) & 0xffu) * LANES], 1);
    atomicAdd(&column[((word >> 16) & 0xffu) * LANES], 1);
    atomicAdd(&column[(word >> 24) * LANES], 1);
}

__device__ __forceinline__ void count_vec(int* column, uint4 v) {
    count_word(column, v.x);
    count_word(column, v.y);
    count_word(column, v.z);
    count_word(column, v.w);
}

__global__ void __launch_bounds__(THREADS)
histogram_privatized(const uint8_t* __restrict__ data, int* __restrict__ counts, int n, bool aligned) {
    __shared__ int hist[BINS * LANES];
    for (int i = threadIdx.x; i < BINS * LANES; i += THREADS) hist[i] = 0;
    __syncthreads();
    int* column = hist + (threadIdx.x & (LANES - 1));  // this lane's copy: column[b * LANES] is bin b

    const size_t first = static_cast<size_t>(blockIdx.x) * THREADS + threadIdx.x;
    const size_t stride = static_cast<size_t>(gridDim.x) * THREADS;
    size_t scalar_start = 0;
    if (aligned) {
        const uint4* data16 = reinterpret_cast<const uint4*>(data);
        const size_t n16 = static_cast<size_t>(n) / 16;
        size_t i = first;
        for (; i + stride < n16; i += 2 * stride) {  // two independent 16-byte loads in flight
            const uint4 a = __ldg(data16 + i);
            const uint4 b = __ldg(data16 + i + stride);
            count_vec(column, a);
            count_vec(column, b);
        }
        if (i < n16) count_vec(column, __ldg(data16 + i));
        scalar_start = n16 * 16;
    }
    // The n % 16 tail (or everything, if data is not 16-byte aligned).
    for (size_t i = scalar_start + first; i < static_cast<size_t>(n); i += stride)
        atomicAdd(&column[data[i] * LANES], 1);
    __syncthreads();

    for (int b = threadIdx.x; b < BINS; b += THREADS) {
        int total = 0;
        // Thread b starts at lane b % 32, so the 32 threads of a warp read 32 different banks in every step.
#pragma unroll 8
        for (int k = 0; k < LANES; ++k) total += hist[b * LANES + ((k + b) & (LANES - 1))];
        if (total != 0) atomicAdd(&counts[b], total);
    }
}

extern "C" void solve(const uint8_t* data, int* counts, int n) {
    int device = 0, sms = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    const bool aligned = (reinterpret_cast<uintptr_t>(data) & 15) == 0;
    cudaMemsetAsync(counts, 0, BINS * sizeof(int), 0);
    // 4 blocks of 512 threads fill an SM (2048 threads, 128 KB of shared memory); never more blocks than there
    // are 16-byte vectors to read.
    const long long work_items = aligned ? n / 16 : n;
    const long long needed = (work_items + THREADS - 1) / THREADS;
    const long long cap = static_cast<long long>(sms) * 4;
    const int blocks = static_cast<int>(needed < 1 ? 1 : (needed < cap ? needed : cap));
    histogram_privatized<<<blocks, THREADS>>>(data, counts, n, aligned);
}

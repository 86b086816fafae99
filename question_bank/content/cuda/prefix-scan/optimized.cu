#include <cuda_runtime.h>
#include <cstdint>

// Single-pass inclusive scan with decoupled look-back (Merrill & Garland, 2016).
//
// Each block scans one tile of 4096 ints held in registers (8 warps x 4 chunks x 32 lanes x int4), then
// learns the sum of all earlier tiles from a status word per tile in global memory:
//   - as soon as its own tile total is known it publishes AGGREGATE(total),
//   - when it knows its exclusive prefix it publishes PREFIX(prefix + total).
// A block looks back over its predecessors 32 at a time (one warp, one status word per lane), adding
// aggregates until it meets a PREFIX. Each element is read once and written once: 8 bytes per element, the
// minimum, so the kernel runs at close to copy bandwidth.
//
// Tile ids come from an atomic counter, not blockIdx: a block only ever waits on tiles taken by blocks that
// started earlier (and so are resident and will finish), which rules out deadlock whatever the hardware
// block-scheduling order.

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kChunks = 4;                      // int4 loads per thread
constexpr int kWarpTile = kChunks * 32 * 4;     // 512 elements per warp
constexpr int kTile = kWarps * kWarpTile;       // 4096 elements per block

constexpr unsigned long long kFlagAggregate = 1ull << 32;
constexpr unsigned long long kFlagPrefix = 2ull << 32;

__device__ __forceinline__ int4 load4(const int* __restrict__ in, long long i, int n, bool aligned) {
    if (aligned && i + 3 < n) return __ldg(reinterpret_cast<const int4*>(in + i));
    int4 v;
    v.x = i + 0 < n ? in[i + 0] : 0;
    v.y = i + 1 < n ? in[i + 1] : 0;
    v.z = i + 2 < n ? in[i + 2] : 0;
    v.w = i + 3 < n ? in[i + 3] : 0;
    return v;
}

__device__ __forceinline__ void store4(int* __restrict__ out, long long i, int n, bool aligned, int4 v) {
    if (aligned && i + 3 < n) {
        *reinterpret_cast<int4*>(out + i) = v;
        return;
    }
    if (i + 0 < n) out[i + 0] = v.x;
    if (i + 1 < n) out[i + 1] = v.y;
    if (i + 2 < n) out[i + 2] = v.z;
    if (i + 3 < n) out[i + 3] = v.w;
}

__device__ __forceinline__ int warp_inclusive_scan(int v, int lane) {
#pragma unroll
    for (int offset = 1; offset < 32; offset <<= 1) {
        const int up = __shfl_up_sync(0xffffffffu, v, offset);
        if (lane >= offset) v += up;
    }
    return v;
}

__device__ __forceinline__ void publish(unsigned long long* status, int tile, unsigned long long flag, int value) {
    // Flag and value share one 64-bit word, so a reader never sees a flag without its value.
    volatile unsigned long long* p = status + tile;
    *p = flag | static_cast<unsigned int>(value);
}

__global__ void __launch_bounds__(kThreads)
scan_lookback(const int* __restrict__ in, int* __restrict__ out, int n,
              unsigned long long* __restrict__ status, unsigned int* __restrict__ tile_counter, bool aligned) {
    __shared__ int s_tile;
    __shared__ int s_warp_totals[kWarps];
    __shared__ int s_block_prefix;

    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (threadIdx.x == 0) s_tile = static_cast<int>(atomicAdd(tile_counter, 1u));
    __syncthreads();
    const int tile = s_tile;

    // 1. Load: each warp owns 512 consecutive elements; chunk c is one fully coalesced 512-byte int4 access.
    const long long warp_base = (long long)tile * kTile + warp * kWarpTile;
    int4 v[kChunks];
#pragma unroll
    for (int c = 0; c < kChunks; ++c) v[c] = load4(in, warp_base + c * 128 + lane * 4, n, aligned);

    // 2. Scan inside the warp: thread-local scan of 4 values, warp shuffle scan of the thread totals, carried
    //    across the 4 chunks.
    int carry = 0;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
        v[c].y += v[c].x;
        v[c].z += v[c].y;
        v[c].w += v[c].z;
        const int inclusive = warp_inclusive_scan(v[c].w, lane);
        const int add = carry + inclusive - v[c].w;  // exclusive prefix of this thread within the warp
        v[c].x += add;
        v[c].y += add;
        v[c].z += add;
        v[c].w += add;
        carry += __shfl_sync(0xffffffffu, inclusive, 31);
    }
    if (lane == 0) s_warp_totals[warp] = carry;
    __syncthreads();

    // 3. Warp 0 scans the warp totals, publishes the tile aggregate and looks back for the tile prefix.
    if (warp == 0) {
        const int total_in = lane < kWarps ? s_warp_totals[lane] : 0;
        const int warp_incl = warp_inclusive_scan(total_in, lane);
        if (lane < kWarps) s_warp_totals[lane] = warp_incl - total_in;  // exclusive prefix of each warp
        const int tile_total = __shfl_sync(0xffffffffu, warp_incl, 31);

        int prefix = 0;
        if (tile == 0) {
            if (lane == 0) publish(status, 0, kFlagPrefix, tile_total);
        } else {
            if (lane == 0) publish(status, tile, kFlagAggregate, tile_total);
            int window_end = tile - 1;  // lane j inspects tile window_end - j
            while (true) {
                const int pred = window_end - lane;
                unsigned long long word;
                if (pred >= 0) {
                    word = *reinterpret_cast<volatile unsigned long long*>(status + pred);
                } else {
                    word = kFlagPrefix;  // before tile 0: an inclusive prefix of 0
                }
                const unsigned int flag = static_cast<unsigned int>(word >> 32);
                if (__any_sync(0xffffffffu, flag == 0)) continue;  // a predecessor has not published yet
                const int value = static_cast<int>(static_cast<unsigned int>(word));
                const unsigned int prefix_lanes = __ballot_sync(0xffffffffu, flag == 2);
                // Sum lanes up to and including the nearest PREFIX (lowest lane with one), or all 32.
                const int stop = prefix_lanes ? __ffs(prefix_lanes) - 1 : 31;
                int contribution = lane <= stop ? value : 0;
#pragma unroll
                for (int offset = 16; offset > 0; offset >>= 1)
                    contribution += __shfl_xor_sync(0xffffffffu, contribution, offset);
                prefix += contribution;
                if (prefix_lanes) break;
                window_end -= 32;
            }
            if (lane == 0) publish(status, tile, kFlagPrefix, prefix + tile_total);
        }
        if (lane == 0) s_block_prefix = prefix;
    }
    __syncthreads();

    // 4. Add the tile prefix and this warp's prefix, store.
    const int add = s_block_prefix + s_warp_totals[warp];
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
        int4 r = v[c];
        r.x += add;
        r.y += add;
        r.z += add;
        r.w += add;
        store4(out, warp_base + c * 128 + lane * 4, n, aligned, r);
    }
}

extern "C" void solve(const int* input, int* output, int n) {
    if (n <= 0) return;
    const int tiles = (n + kTile - 1) / kTile;
    // Workspace: one 64-bit status word per tile plus the tile counter, zeroed on the stream.
    const size_t bytes = (size_t)tiles * sizeof(unsigned long long) + sizeof(unsigned long long);
    unsigned long long* ws = nullptr;
    cudaMallocAsync(&ws, bytes, 0);
    cudaMemsetAsync(ws, 0, bytes, 0);
    unsigned int* counter = reinterpret_cast<unsigned int*>(ws + tiles);
    const bool aligned = ((reinterpret_cast<uintptr_t>(input) | reinterpret_cast<uintptr_t>(output)) & 15) == 0;
    scan_lookback<<<tiles, kThreads>>>(input, output, n, ws, counter, aligned);
    cudaFreeAsync(ws, 0);
}

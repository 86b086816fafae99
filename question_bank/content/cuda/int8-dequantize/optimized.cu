#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// 2D launch: blockIdx.y walks the rows (grid-stride past 65535), blockIdx.x and threadIdx.x the columns.
//  - The row's scale is loaded once per thread per row (all threads of the row hit the same address: a
//    broadcast), with no per-element division to find the row.
//  - When cols % 16 == 0 (and the pointers are aligned), every int8 row start is 16-byte aligned and every fp16
//    row start 32-byte aligned: each thread loads 16 int8 with one 128-bit load, converts them to fp32,
//    multiplies, packs 16 halves and writes them with two 128-bit stores. Reads are 1 byte per weight and
//    writes 2, so the store side dominates the traffic; both are full-width and coalesced.
//  - Otherwise a scalar path per element (same 2D mapping).
// The product is computed in fp32 and rounded once, so the result equals the reference bit for bit.
constexpr int THREADS = 256;

__device__ __forceinline__ __half2 scale_pair(int lo, int hi, float s) {
    return __floats2half2_rn(static_cast<float>(lo) * s, static_cast<float>(hi) * s);
}

// Sign-extend byte k (0..3) of a 32-bit word.
__device__ __forceinline__ int byte_of(unsigned word, int k) {
    return static_cast<int>(static_cast<int8_t>((word >> (8 * k)) & 0xffu));
}

__global__ void __launch_bounds__(THREADS)
dequantize_vec16(const int8_t* __restrict__ w, const float* __restrict__ scales, __half* __restrict__ out,
                 int rows, int cols) {
    const int vecs = cols / 16;
    const int v = blockIdx.x * THREADS + threadIdx.x;
    if (v >= vecs) return;  // no barriers or shuffles below, so an early exit is safe
    for (int r = blockIdx.y; r < rows; r += gridDim.y) {
        const float s = __ldg(scales + r);
        const uint4 q = __ldg(reinterpret_cast<const uint4*>(w + static_cast<size_t>(r) * cols) + v);
        const unsigned words[4] = {q.x, q.y, q.z, q.w};
        uint4 lo, hi;  // halves 0-7 and 8-15
        __half2* lo2 = reinterpret_cast<__half2*>(&lo);
        __half2* hi2 = reinterpret_cast<__half2*>(&hi);
#pragma unroll
        for (int k = 0; k < 2; ++k) {
            lo2[2 * k] = scale_pair(byte_of(words[k], 0), byte_of(words[k], 1), s);
            lo2[2 * k + 1] = scale_pair(byte_of(words[k], 2), byte_of(words[k], 3), s);
            hi2[2 * k] = scale_pair(byte_of(words[k + 2], 0), byte_of(words[k + 2], 1), s);
            hi2[2 * k + 1] = scale_pair(byte_of(words[k + 2], 2), byte_of(words[k + 2], 3), s);
        }
        uint4* dst = reinterpret_cast<uint4*>(out + static_cast<size_t>(r) * cols) + 2 * v;
        dst[0] = lo;
        dst[1] = hi;
    }
}

__global__ void __launch_bounds__(THREADS)
dequantize_scalar(const int8_t* __restrict__ w, const float* __restrict__ scales, __half* __restrict__ out,
                  int rows, int cols) {
    const int c = blockIdx.x * THREADS + threadIdx.x;
    if (c >= cols) return;
    for (int r = blockIdx.y; r < rows; r += gridDim.y) {
        const size_t index = static_cast<size_t>(r) * cols + c;
        out[index] = __float2half_rn(static_cast<float>(w[index]) * __ldg(scales + r));
    }
}

extern "C" void solve(const int8_t* w, const float* scales, __half* out, int rows, int cols) {
    const bool aligned = ((reinterpret_cast<uintptr_t>(w) | reinterpret_cast<uintptr_t>(out)) & 15) == 0;
    const bool vectorized = aligned && cols % 16 == 0;
    const int items = vectorized ? cols / 16 : cols;
    const dim3 grid((items + THREADS - 1) / THREADS, rows < 65535 ? rows : 65535);
    if (vectorized)
        dequantize_vec16<<<grid, THREADS>>>(w, scales, out, rows, cols);
    else
        dequantize_scalar<<<grid, THREADS>>>(w, scales, out, rows, cols);
}

#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <cstdint>

// Grid-stride loop over groups of 8 elements: one 128-bit load (8 bf16), eight fp32 multiplies by the
// reciprocal of the scale, four packed conversions (cvt.rn.satfinite.e4m3x2.f32 converts two floats at once,
// rounding to nearest even and saturating to +-448), and one 64-bit store (8 fp8). Each thread handles two
// groups per iteration so two independent 16-byte loads are in flight. A scalar loop takes the n % 8 tail, or
// every element when the pointers are not aligned for vector access.
constexpr int THREADS = 256;

__device__ __forceinline__ unsigned cvt4(__nv_bfloat162 a, __nv_bfloat162 b, float inv) {
    const float2 fa = __bfloat1622float2(a), fb = __bfloat1622float2(b);
    const unsigned lo = __nv_cvt_float2_to_fp8x2(make_float2(fa.x * inv, fa.y * inv), __NV_SATFINITE, __NV_E4M3);
    const unsigned hi = __nv_cvt_float2_to_fp8x2(make_float2(fb.x * inv, fb.y * inv), __NV_SATFINITE, __NV_E4M3);
    return lo | (hi << 16);   // element 0 in the lowest byte: little-endian order matches memory order
}

__device__ __forceinline__ uint2 cvt8(uint4 v, float inv) {
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&v);
    return make_uint2(cvt4(h[0], h[1], inv), cvt4(h[2], h[3], inv));
}

__global__ void __launch_bounds__(THREADS) quantize_fp8_vec(const __nv_bfloat16* __restrict__ x,
                                                            const float* __restrict__ scale,
                                                            __nv_fp8_e4m3* __restrict__ q, long long n,
                                                            bool aligned) {
    const float inv = 1.0f / __ldg(scale);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long vector_end = 0;
    if (aligned) {
        const long long groups = n / 8;
        const uint4* src = reinterpret_cast<const uint4*>(x);
        uint2* dst = reinterpret_cast<uint2*>(q);
        long long g = first;
        for (; g + stride < groups; g += 2 * stride) {   // two independent groups per iteration
            const uint4 a = __ldcs(src + g);              // streaming: read once, do not keep in cache
            const uint4 b = __ldcs(src + g + stride);
            dst[g] = cvt8(a, inv);
            dst[g + stride] = cvt8(b, inv);
        }
        if (g < groups) dst[g] = cvt8(__ldcs(src + g), inv);
        vector_end = groups * 8;
    }
    for (long long i = vector_end + first; i < n; i += stride) q[i] = __nv_fp8_e4m3(__bfloat162float(x[i]) * inv);
}

extern "C" void solve(const __nv_bfloat16* x, const float* scale, __nv_fp8_e4m3* q, int n) {
    int device = 0, sms = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    const bool aligned = (reinterpret_cast<uintptr_t>(x) & 15) == 0 && (reinterpret_cast<uintptr_t>(q) & 7) == 0;
    const long long work = aligned ? (n / 8 + 1) / 2 : n;            // threads' worth of work in the first pass
    long long blocks = (work + THREADS - 1) / THREADS;
    if (blocks > (long long)sms * 8) blocks = (long long)sms * 8;    // a few waves; the loop covers the rest
    if (blocks < 1) blocks = 1;
    quantize_fp8_vec<<<(int)blocks, THREADS>>>(x, scale, q, n, aligned);
}

#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cstdint>

// Grid-stride loop over 16-byte vectors of 8 bf16, then a scalar tail.
//  - Memory-bound: 4 bytes per element. 128-bit loads/stores cut the number of memory instructions by 8x.
//  - Math in fp32 with a cheap identity: 0.5 x (1 + tanh(u)) = x * sigmoid(2u) = x / (1 + e^(-2u)), so each
//    element costs one ex2 (via __expf), one add and one fast divide instead of a full-precision tanhf. The
//    error is a few fp32 ulp, far below one bf16 ulp (2^-8 relative). For very negative x, e^(-2u) overflows
//    to +inf and the quotient is -0, the correct limit.
constexpr int THREADS = 256;

__device__ __forceinline__ float gelu_tanh_f(float x) {
    const float k0 = 0.7978845608028654f;  // sqrt(2/pi)
    const float k1 = 0.044715f;
    const float u = k0 * fmaf(k1 * x, x * x, x);  // sqrt(2/pi) * (x + 0.044715 x^3)
    return __fdividef(x, 1.0f + __expf(-2.0f * u));
}

__global__ void __launch_bounds__(THREADS)
gelu_tanh_vec(const __nv_bfloat16* __restrict__ x, __nv_bfloat16* __restrict__ y, int n, bool aligned) {
    const size_t first = static_cast<size_t>(blockIdx.x) * THREADS + threadIdx.x;
    const size_t stride = static_cast<size_t>(gridDim.x) * THREADS;
    size_t scalar_start = 0;
    if (aligned) {
        const uint4* x8 = reinterpret_cast<const uint4*>(x);
        uint4* y8 = reinterpret_cast<uint4*>(y);
        const size_t n8 = static_cast<size_t>(n) / 8;
        for (size_t i = first; i < n8; i += stride) {
            const uint4 raw = __ldg(x8 + i);
            const __nv_bfloat162* in2 = reinterpret_cast<const __nv_bfloat162*>(&raw);
            uint4 res;
            __nv_bfloat162* out2 = reinterpret_cast<__nv_bfloat162*>(&res);
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                const float2 v = __bfloat1622float2(in2[k]);
                out2[k] = __floats2bfloat162_rn(gelu_tanh_f(v.x), gelu_tanh_f(v.y));
            }
            y8[i] = res;
        }
        scalar_start = n8 * 8;
    }
    for (size_t i = scalar_start + first; i < static_cast<size_t>(n); i += stride)
        y[i] = __float2bfloat16_rn(gelu_tanh_f(__bfloat162float(x[i])));
}

extern "C" void solve(const __nv_bfloat16* x, __nv_bfloat16* y, int n) {
    int device = 0, sms = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    const bool aligned = ((reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(y)) & 15) == 0;
    const long long work_items = aligned ? n / 8 : n;
    const long long needed = (work_items + THREADS - 1) / THREADS;
    const long long cap = static_cast<long long>(sms) * 16;  // a couple of waves of 8 resident blocks per SM
    const int blocks = static_cast<int>(needed < 1 ? 1 : (needed < cap ? needed : cap));
    gelu_tanh_vec<<<blocks, THREADS>>>(x, y, n, aligned);
}

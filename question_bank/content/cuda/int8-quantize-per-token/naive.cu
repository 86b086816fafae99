#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// One block per token: scalar loads, a shared-memory tree reduction for the absolute maximum, then a second
// pass over the row to quantize.
constexpr int THREADS = 256;

__global__ void quantize_rows(const __half* x, int8_t* q, float* scales, int hidden) {
    __shared__ float partial[THREADS];
    const size_t row = blockIdx.x;
    const __half* xr = x + row * hidden;
    int8_t* qr = q + row * hidden;

    float m = 0.0f;
    for (int i = threadIdx.x; i < hidden; i += THREADS) m = fmaxf(m, fabsf(__half2float(xr[i])));
    partial[threadIdx.x] = m;
    __syncthreads();
    for (int stride = THREADS / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) partial[threadIdx.x] = fmaxf(partial[threadIdx.x], partial[threadIdx.x + stride]);
        __syncthreads();
    }
    const float amax = partial[0];
    const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    if (threadIdx.x == 0) scales[row] = amax / 127.0f;

    for (int i = threadIdx.x; i < hidden; i += THREADS) {
        int v = __float2int_rn(__half2float(xr[i]) * inv);  // round to nearest, ties to even
        qr[i] = static_cast<int8_t>(min(127, max(-128, v)));
    }
}

extern "C" void solve(const __half* x, int8_t* q, float* scales, int tokens, int hidden) {
    quantize_rows<<<tokens, THREADS>>>(x, q, scales, hidden);
}

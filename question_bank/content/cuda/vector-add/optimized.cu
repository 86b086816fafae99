#include <cuda_runtime.h>
#include <cstdint>

// Grid-stride loop over float4 (16-byte) vectors, then a scalar tail. The vector path is taken only when
// all three pointers are 16-byte aligned; otherwise every element goes through the scalar loop.
__global__ void vector_add_vec4(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
                                int n, bool aligned) {
    const int stride = gridDim.x * blockDim.x;
    const int first = blockIdx.x * blockDim.x + threadIdx.x;
    int vector_end = 0;
    if (aligned) {
        const int n4 = n / 4;
        const float4* a4 = reinterpret_cast<const float4*>(a);
        const float4* b4 = reinterpret_cast<const float4*>(b);
        float4* c4 = reinterpret_cast<float4*>(c);
        for (int i = first; i < n4; i += stride) {
            float4 x = __ldg(a4 + i);
            float4 y = __ldg(b4 + i);
            c4[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
        }
        vector_end = n4 * 4;
    }
    for (int i = vector_end + first; i < n; i += stride) c[i] = a[i] + b[i];
}

extern "C" void solve(const float* a, const float* b, float* c, int n) {
    int device = 0, sms = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    const bool aligned = ((reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b) |
                           reinterpret_cast<uintptr_t>(c)) & 15) == 0;
    const int threads = 256;
    const int needed = ((aligned ? n / 4 : n) + threads - 1) / threads;
    const int blocks = needed < sms * 8 ? (needed > 0 ? needed : 1) : sms * 8;
    vector_add_vec4<<<blocks, threads>>>(a, b, c, n, aligned);
}

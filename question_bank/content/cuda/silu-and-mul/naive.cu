#include <cuda_runtime.h>
#include <cuda_fp16.h>

// One thread per output element over the flattened [tokens, d] output, 2-byte loads and stores.
__global__ void silu_and_mul_naive(const __half* input, __half* output, int tokens, int d) {
    const size_t index = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= static_cast<size_t>(tokens) * d) return;
    const size_t t = index / d, j = index % d;
    const float g = __half2float(input[t * 2 * d + j]);
    const float u = __half2float(input[t * 2 * d + d + j]);
    output[index] = __float2half(g / (1.0f + expf(-g)) * u);
}

extern "C" void solve(const __half* input, __half* output, int tokens, int d) {
    const size_t total = static_cast<size_t>(tokens) * d;
    const int threads = 256;
    const unsigned blocks = static_cast<unsigned>((total + threads - 1) / threads);
    silu_and_mul_naive<<<blocks, threads>>>(input, output, tokens, d);
}

#include <cuda_runtime.h>

// One product per thread, a shared-memory tree reduction per block, one atomicAdd per block.
constexpr int THREADS = 256;

__global__ void dot_naive(const float* a, const float* b, float* output, int n) {
    __shared__ float partial[THREADS];
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    partial[threadIdx.x] = i < n ? a[i] * b[i] : 0.0f;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(output, partial[0]);
}

extern "C" void solve(const float* a, const float* b, float* output, int n) {
    cudaMemsetAsync(output, 0, sizeof(float), 0);
    const int blocks = (n + THREADS - 1) / THREADS;
    dot_naive<<<blocks, THREADS>>>(a, b, output, n);
}

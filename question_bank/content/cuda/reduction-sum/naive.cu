#include <cuda_runtime.h>

// One element per thread, a shared-memory tree reduction per block (a barrier at every level), and one
// atomicAdd per block into the zeroed output.
constexpr int THREADS = 256;

__global__ void reduce_sum_naive(const float* input, float* output, int n) {
    __shared__ float partial[THREADS];
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    partial[threadIdx.x] = i < n ? input[i] : 0.0f;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(output, partial[0]);
}

extern "C" void solve(const float* input, float* output, int n) {
    cudaMemsetAsync(output, 0, sizeof(float), 0);
    const int blocks = (n + THREADS - 1) / THREADS;
    reduce_sum_naive<<<blocks, THREADS>>>(input, output, n);
}

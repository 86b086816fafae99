#include <cuda_runtime.h>

// output[0] = sum over i < n of a[i] * b[i]. All pointers are device pointers; output starts as garbage.
__global__ void dot(const float* a, const float* b, float* output, int n) {
    // Your kernel here.
}

extern "C" void solve(const float* a, const float* b, float* output, int n) {
    cudaMemsetAsync(output, 0, sizeof(float), 0);  // start from zero if you accumulate into output
    int threads = 256;
    int blocks = (n + threads - 1) / threads;
    dot<<<blocks, threads>>>(a, b, output, n);
}

#include <cuda_runtime.h>

// c[i] = a[i] + b[i] for 0 <= i < n. All pointers are device pointers.
__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    // Your kernel here.
}

extern "C" void solve(const float* a, const float* b, float* c, int n) {
    int threads = 256;
    int blocks = (n + threads - 1) / threads;
    vector_add<<<blocks, threads>>>(a, b, c, n);
}
